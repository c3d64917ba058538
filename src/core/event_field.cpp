#include "sightline/core/event_field.hpp"

#include <charconv>
#include <cmath>
#include <cstring>

namespace sightline {

std::string_view to_string(value_kind k) {
    switch (k) {
    case value_kind::string: return "string";
    case value_kind::integer: return "integer";
    case value_kind::floating: return "float";
    case value_kind::boolean: return "boolean";
    case value_kind::null: return "null";
    case value_kind::json: return "json";
    }
    return "null";
}

bool field_value::operator==(const field_value& o) const {
    if (kind != o.kind) return false;
    switch (kind) {
    case value_kind::string:
    case value_kind::json: return text == o.text;
    case value_kind::integer: return integer == o.integer;
    case value_kind::floating: return std::memcmp(&floating, &o.floating, sizeof floating) == 0;
    case value_kind::boolean: return boolean == o.boolean;
    case value_kind::null: return true;
    }
    return false;
}

void field_value::append_text(std::string& out) const {
    char buf[32];
    switch (kind) {
    case value_kind::string:
    case value_kind::json: out.append(text); break;
    case value_kind::integer: {
        auto r = std::to_chars(buf, buf + sizeof buf, integer);
        out.append(buf, r.ptr);
        break;
    }
    case value_kind::floating: {
        if (!std::isfinite(floating)) {
            out.append("null");
            break;
        }
        auto r = std::to_chars(buf, buf + sizeof buf, floating);
        out.append(buf, r.ptr);
        break;
    }
    case value_kind::boolean: out.append(boolean ? "true" : "false"); break;
    case value_kind::null: break;
    }
}

bool field_value::as_number(double& out) const {
    switch (kind) {
    case value_kind::integer: out = static_cast<double>(integer); return true;
    case value_kind::floating: out = floating; return true;
    case value_kind::string: {
        auto r = std::from_chars(text.data(), text.data() + text.size(), out);
        return r.ec == std::errc() && r.ptr == text.data() + text.size() && !text.empty();
    }
    default: return false;
    }
}

}  // namespace sightline
