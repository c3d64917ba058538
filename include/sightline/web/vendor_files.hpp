#pragma once
#include <optional>
#include <string_view>

namespace sightline {

/// The browser libraries the dashboard loads, each by its public name under
/// /vendor/ and its path under node_modules (npm installs them from package.json;
/// CMake installs these same files next to the static ones). Only names in this
/// table are served, so no request can reach any other file of node_modules.
/// "uplot.esm.js" -> "uplot/dist/uPlot.esm.js"; nullopt for any other name.
std::optional<std::string_view> vendor_file(std::string_view name);

}  // namespace sightline
