#pragma once
#include <string>

#include "sightline/pipeline/pipeline_config.hpp"
#include "sightline/pipeline/graph.hpp"

namespace sightline {

/// --list-processors: every processor type with its description and parameters.
std::string format_processor_list();
/// --list-components: every source, processor and sink type, the same way.
std::string format_component_list();

/// --describe: each source, stage and sink with its type, description, parameters
/// (effective value, and the default where the user changed it) and its edges.
std::string format_describe(const pipeline_config& cfg, const pipeline_graph& g);

}  // namespace sightline
