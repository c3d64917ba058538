#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "sightline/core/config.hpp"
#include "sightline/core/param_schema.hpp"
#include "sightline/core/problems.hpp"
#include "sightline/ingest/source_descriptor.hpp"
#include "sightline/processors/registry.hpp"
#include "sightline/sinks/sink_descriptor.hpp"

namespace sightline {

/// Every source type, in the order listings print them.
const std::vector<source_descriptor>& source_types();
/// Every sink type.
const std::vector<sink_descriptor>& sink_types();
const source_descriptor* find_source_type(std::string_view type);
const sink_descriptor* find_sink_type(std::string_view type);

/// Schema of a source, processor or sink type (kind "source", "processor", "sink"), or nullptr.
const component_schema* find_component_schema(std::string_view kind, std::string_view type);
/// The types of a kind, comma-separated ("tcp, udp, file"), for messages.
std::string component_type_names(std::string_view kind);
/// Runs a source's or sink's own checks of its (schema-valid) params; processors check
/// theirs in their factories. validate() (app/pipeline.hpp) calls it.
void check_component(const component_config& c, problems& found);

}  // namespace sightline
