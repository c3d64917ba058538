#pragma once
#include <boost/json/object.hpp>

#include "sightline/observe/metrics.hpp"

namespace sightline {

/// {"p50","p90","p99","max"} in microseconds.
boost::json::object to_json(const latency_summary& s);
/// A stage's /stats entry (without "type"): counters, drops by reason, processing
/// time, latency percentiles and utilization over `uptime_s`.
boost::json::object to_json(const stage_metrics& m, double uptime_s);
/// A source's /stats entry (without "type").
boost::json::object to_json(const source_metrics& m);
/// A sink's /stats entry (without "type").
boost::json::object to_json(const sink_metrics& m);

}  // namespace sightline
