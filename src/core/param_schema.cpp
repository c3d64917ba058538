#include "sightline/core/param_schema.hpp"

#include <algorithm>
#include <cmath>
#include <boost/json/serialize.hpp>
#include <sstream>

namespace sightline {

namespace json = boost::json;

std::string_view to_string(param_type t) {
    switch (t) {
    case param_type::string: return "string";
    case param_type::integer: return "integer";
    case param_type::number: return "number";
    case param_type::boolean: return "boolean";
    case param_type::string_list: return "array of strings";
    case param_type::string_map: return "object of strings";
    case param_type::object: return "object";
    case param_type::object_list: return "array of objects";
    }
    return "?";
}

std::string_view json_kind_name(const json::value& v) {
    switch (v.kind()) {
    case json::kind::null: return "null";
    case json::kind::bool_: return "boolean";
    case json::kind::int64:
    case json::kind::uint64: return "integer";
    case json::kind::double_: return "number";
    case json::kind::string: return "string";
    case json::kind::array: return "array";
    case json::kind::object: return "object";
    }
    return "?";
}

std::string path_join(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string path_index(const std::string& path, std::size_t index) {
    return path + "[" + std::to_string(index) + "]";
}

namespace {

bool matches_type(const json::value& v, param_type t) {
    switch (t) {
    case param_type::string: return v.is_string();
    case param_type::integer: return v.is_int64() || v.is_uint64();
    case param_type::number: return v.is_number();
    case param_type::boolean: return v.is_bool();
    case param_type::object: return v.is_object();
    case param_type::string_list:
        return v.is_array() && std::all_of(v.get_array().begin(), v.get_array().end(),
                                           [](const json::value& e) { return e.is_string(); });
    case param_type::string_map:
        return v.is_object() && std::all_of(v.get_object().begin(), v.get_object().end(),
                                            [](const json::key_value_pair& e) { return e.value().is_string(); });
    case param_type::object_list:
        return v.is_array() && std::all_of(v.get_array().begin(), v.get_array().end(),
                                           [](const json::value& e) { return e.is_object(); });
    }
    return false;
}

std::string describe_mismatch(const json::value& v, param_type t) {
    // For containers name the offending element, which is what the user must fix.
    if (t == param_type::string_list && v.is_array()) {
        const auto& a = v.get_array();
        for (std::size_t i = 0; i < a.size(); ++i)
            if (!a[i].is_string())
                return "element [" + std::to_string(i) + "] must be a string, got " + std::string(json_kind_name(a[i]));
    }
    if (t == param_type::object_list && v.is_array()) {
        const auto& a = v.get_array();
        for (std::size_t i = 0; i < a.size(); ++i)
            if (!a[i].is_object())
                return "element [" + std::to_string(i) + "] must be an object, got " + std::string(json_kind_name(a[i]));
    }
    if (t == param_type::string_map && v.is_object()) {
        for (const auto& kv : v.get_object())
            if (!kv.value().is_string())
                return "value of \"" + std::string(kv.key()) + "\" must be a string, got " +
                       std::string(json_kind_name(kv.value()));
    }
    return "expected " + std::string(to_string(t)) + ", got " + std::string(json_kind_name(v));
}

std::string known_keys(const std::vector<param_spec>& params, std::initializer_list<std::string_view> reserved) {
    std::string s;
    for (auto r : reserved) s += (s.empty() ? "" : ", ") + std::string(r);
    for (const auto& p : params) s += (s.empty() ? "" : ", ") + p.name;
    return s;
}

double as_double(const json::value& v) { return v.to_number<double>(); }

}  // namespace

void validate_params(const json::object& obj, const std::vector<param_spec>& params, const std::string& path,
                     std::initializer_list<std::string_view> reserved, problems& out) {
    for (const auto& kv : obj) {
        std::string_view key = kv.key();
        if (std::find(reserved.begin(), reserved.end(), key) != reserved.end()) continue;
        auto spec = std::find_if(params.begin(), params.end(), [&](const param_spec& p) { return p.name == key; });
        std::string where = path_join(path, key);
        if (spec == params.end()) {
            out.add(where, "unknown key (expected one of: " + known_keys(params, reserved) + ")");
            continue;
        }
        const json::value& v = kv.value();
        if (!matches_type(v, spec->type)) {
            out.add(where, describe_mismatch(v, spec->type));
            continue;
        }
        if ((spec->type == param_type::integer || spec->type == param_type::number)) {
            double d = as_double(v);
            auto num = [](double x) {
                if (x == std::floor(x) && std::abs(x) < 1e15) return std::to_string(static_cast<long long>(x));
                std::ostringstream s;  // plain "0.5", not Boost.JSON's "5E-1"
                s << x;
                return s.str();
            };
            auto before = out.size();
            if (spec->min && d < *spec->min) out.add(where, "must be at least " + num(*spec->min));
            if (spec->max && d > *spec->max) out.add(where, "must be at most " + num(*spec->max));
            // Integers are read as int64: larger ones (JSON's uint64) would throw there.
            if (out.size() == before && spec->type == param_type::integer && v.is_uint64())
                out.add(where, "must be at most 9223372036854775807");
        }
        if (spec->type == param_type::string && !spec->choices.empty()) {
            std::string_view s = v.get_string();
            if (std::find(spec->choices.begin(), spec->choices.end(), s) == spec->choices.end()) {
                std::string list;
                for (const auto& c : spec->choices) list += (list.empty() ? "\"" : ", \"") + c + "\"";
                out.add(where, "must be one of " + list + ", got \"" + std::string(s) + "\"");
            }
        }
    }
    for (const auto& p : params)
        if (p.required && !obj.contains(p.name)) out.add(path_join(path, p.name), "required " + std::string(to_string(p.type)) + " is missing");
}

json::object effective_params(const json::object& obj, const std::vector<param_spec>& params) {
    json::object eff;
    for (const auto& p : params) {
        if (auto it = obj.find(p.name); it != obj.end())
            eff[p.name] = it->value();
        else if (!p.default_value.is_null())
            eff[p.name] = p.default_value;
    }
    return eff;
}

json::object to_json(const param_spec& p) {
    json::object o;
    o["name"] = p.name;
    o["type"] = to_string(p.type);
    o["default"] = p.default_value;
    o["required"] = p.required;
    o["doc"] = p.doc;
    if (p.min) o["min"] = *p.min;
    if (p.max) o["max"] = *p.max;
    if (!p.choices.empty()) {
        json::array c;
        for (const auto& s : p.choices) c.emplace_back(s);
        o["choices"] = std::move(c);
    }
    return o;
}

json::object to_json(const component_schema& s) {
    json::object o;
    o["type"] = s.type;
    o["description"] = s.description;
    json::array ps;
    for (const auto& p : s.params) ps.emplace_back(to_json(p));
    o["params"] = std::move(ps);
    return o;
}

}  // namespace sightline
