#pragma once
#include <boost/json/object.hpp>

#include "sightline/observe/health.hpp"
#include "sightline/observe/stats.hpp"

namespace sightline {

// The one writer of statistics as JSON: every key name of /stats, --save-metrics, the
// WebSocket stats and health frames, /health and the completion log record is here.

/// The /stats document (README "Metrics").
boost::json::object to_json(const pipeline_stats& s);
/// {"status", "components": {id: {"kind", "status", "reason"}}}.
boost::json::object to_json(const health_report& h);
/// {"total_lines", "seconds", "lines_per_second", "stages": {id: {"in","out","dropped","errors"}}}
/// for the pipeline_completed log record of a run that took `seconds`.
boost::json::object completion_json(const pipeline_stats& s, double seconds);

}  // namespace sightline
