#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace sightline {

/// True when `s` is well-formed UTF-8 (no overlong forms, surrogates or code points
/// above U+10FFFF).
bool is_valid_utf8(std::string_view s);

/// The longest prefix of `s` of at most `max` bytes that does not end inside a
/// multi-byte character: cutting a line there never splits a character.
std::size_t utf8_prefix(std::string_view s, std::size_t max);

/// `s` with every ill-formed sequence replaced by U+FFFD (one per maximal ill-formed
/// subpart, as the Unicode standard recommends), so it can go into JSON and WebSocket
/// text frames. Valid input comes back unchanged.
std::string valid_utf8(std::string_view s);

}  // namespace sightline
