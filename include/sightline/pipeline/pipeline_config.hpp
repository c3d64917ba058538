#pragma once
#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sightline/alerts/alerts_config.hpp"
#include "sightline/core/config.hpp"
#include "sightline/core/health_thresholds.hpp"

namespace sightline {

/// A whole configuration file, validated against the schema (not yet as a graph).
struct pipeline_config {
    std::vector<component_config> sources;
    std::vector<component_config> processors;
    std::vector<component_config> sinks;
    std::optional<std::string> dead_letter_path;
    http_config http;
    trace_config trace;
    std::int64_t errors_capacity = 1000;
    log_config log;
    health_thresholds health;
    alerts_config alerts;
    /// The top-level sections other than sources, processors and sinks, as the file wrote
    /// them (a reload compares them: those take effect at the next start).
    boost::json::object settings;
};

/// Id reserved for the dead-letter sink in stats.
inline constexpr std::string_view dead_letter_id = "dead_letter";

}  // namespace sightline
