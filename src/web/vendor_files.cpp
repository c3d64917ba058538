#include "sightline/web/vendor_files.hpp"

#include <array>
#include <utility>

namespace sightline {

namespace {
// Keep in step with SIGHTLINE_VENDOR_FILES in CMakeLists.txt (what gets installed).
constexpr std::array<std::pair<std::string_view, std::string_view>, 3> table{{
    {"uplot.esm.js", "uplot/dist/uPlot.esm.js"},
    {"uplot.min.css", "uplot/dist/uPlot.min.css"},
    {"dagre.esm.js", "@dagrejs/dagre/dist/dagre.esm.js"},
}};
}  // namespace

std::optional<std::string_view> vendor_file(std::string_view name) {
    for (const auto& [public_name, path] : table)
        if (name == public_name) return path;
    return std::nullopt;
}

}  // namespace sightline
