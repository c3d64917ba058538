#pragma once
#include <boost/json/object.hpp>
#include <string>
#include <string_view>

#include "sightline/core/problems.hpp"
#include "sightline/pipeline/pipeline_config.hpp"

namespace sightline {

/// Parses and checks config JSON text: syntax (with line and column), top-level keys,
/// each component's type, id and parameters (the schema, then the type's own checks:
/// addresses, ports), and every section. Every problem goes to `found`.
pipeline_config parse_config(std::string_view text, problems& found);

/// Reads and parses a config file; problems go to `found` (a file that cannot be read
/// is one problem naming the path).
pipeline_config load_config_file(const std::string& path, problems& found);

/// Makes a component from code (CLI overrides); params are completed with defaults.
component_config make_component(std::string kind, std::string type, std::string id, boost::json::object params);

}  // namespace sightline
