#pragma once
#include <string>
#include <string_view>

#include "sightline/core/event_field.hpp"

namespace sightline {

/// Appends `s` as a JSON string literal (quotes included): escapes what JSON requires
/// and replaces ill-formed UTF-8 with U+FFFD, so the output is always valid JSON and
/// valid UTF-8. Runs of plain ASCII are copied whole (the hot path of the json format).
void append_json_string(std::string& out, std::string_view s);
namespace detail {
/// The same without SSSE3 (what CPUs lacking it run), for the tests.
void append_json_string_sse2(std::string& out, std::string_view s);
}  // namespace detail

/// Appends a field value as JSON: strings quoted, json kept as it is, non-finite
/// floats as null.
void append_json_value(std::string& out, const field_value& v);

}  // namespace sightline
