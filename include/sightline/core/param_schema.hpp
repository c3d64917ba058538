#pragma once
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sightline/core/problems.hpp"

namespace sightline {

/// The longest duration any `*_ms` parameter accepts: one week. Longer ones mean
/// nothing useful, and far longer ones overflow timers and deadlines (nanoseconds).
inline constexpr double max_duration_ms = 7.0 * 24 * 3600 * 1000;

/// JSON shape a parameter accepts.
enum class param_type { string, integer, number, boolean, string_list, string_map, object, object_list };

/// Name of a parameter type as users read it ("integer", "array of strings", ...).
std::string_view to_string(param_type t);

/// One documented parameter of a processor, source, sink or config section.
struct param_spec {
    std::string name;
    param_type type = param_type::string;
    /// Value used when the parameter is absent; null for "no default".
    boost::json::value default_value;
    std::string doc;
    bool required = false;
    /// Inclusive bounds for integer and number parameters.
    std::optional<double> min;
    std::optional<double> max;
    /// Allowed values of a string parameter (empty: any).
    std::vector<std::string> choices;
    /// The value names other components (graph edges), e.g. a router's `routes`.
    bool is_edge = false;
};

/// A parameter list plus the words that describe what it belongs to.
struct component_schema {
    std::string type;
    std::string description;
    std::vector<param_spec> params;
};

/// Checks every key of `obj` against `params` (keys in `reserved` are allowed and not
/// checked): unknown keys, wrong value types, missing required values, bounds and
/// choices. Problems go to `out` with paths under `path`.
void validate_params(const boost::json::object& obj, const std::vector<param_spec>& params, const std::string& path,
                     std::initializer_list<std::string_view> reserved, problems& out);

/// `obj`'s parameters with defaults filled in for those absent; reserved keys dropped.
boost::json::object effective_params(const boost::json::object& obj, const std::vector<param_spec>& params);

/// Self-description of a parameter: {"name","type","default","doc","required",...}.
boost::json::object to_json(const param_spec& p);

/// Self-description of a schema: {"type","description","params":[...]}.
boost::json::object to_json(const component_schema& s);

/// Name of a JSON value's kind as users read it ("string", "integer", "object", ...).
std::string_view json_kind_name(const boost::json::value& v);

/// Joins a path and a key: "processors[2]" + "pattern" -> "processors[2].pattern".
std::string path_join(const std::string& path, std::string_view key);
/// Joins a path and an index: "processors" + 2 -> "processors[2]".
std::string path_index(const std::string& path, std::size_t index);

}  // namespace sightline
