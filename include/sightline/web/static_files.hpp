#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace sightline {

/// Resolves a request path to a file inside `root` and never outside it: percent
/// escapes are decoded first, then `..` segments, NUL bytes, backslashes and absolute
/// forms are refused, and the final canonical path (symlinks followed) must still be
/// under the canonical root. "/" maps to index.html. nullopt means "not served".
std::optional<std::filesystem::path> resolve_static_path(const std::filesystem::path& root, std::string_view target);

/// Content-Type for a file name by its extension.
std::string_view content_type_for(const std::filesystem::path& p);

/// Percent-decodes `s`; nullopt on a malformed escape.
std::optional<std::string> percent_decode(std::string_view s);

}  // namespace sightline
