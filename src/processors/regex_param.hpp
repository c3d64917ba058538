#pragma once
// Shared by the processors that take a pattern: builds a text_matcher and turns a
// regex compile error into a config problem at the parameter's path.
#include <optional>

#include "sightline/core/param_schema.hpp"
#include "sightline/processors/registry.hpp"
#include "sightline/processors/text_matcher.hpp"

namespace sightline::detail {

inline std::optional<text_matcher> make_matcher(build_context& ctx, const std::string& path, std::string pattern,
                                                bool regex, bool ignore_case) {
    try {
        return text_matcher(std::move(pattern), regex, ignore_case);
    } catch (const boost::regex_error& e) {
        ctx.found.add(path, std::string("invalid regex: ") + e.what());
        return std::nullopt;
    }
}

}  // namespace sightline::detail
