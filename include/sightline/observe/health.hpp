#pragma once
#include <boost/json/object.hpp>

namespace sightline {

/// Judges health from two consecutive stats snapshots (what changed during the tick):
/// - a sink that failed writes: unhealthy;
/// - a stage with new errors, or whose input hand-off is full: degraded;
/// - a source that dropped lines (UDP backpressure, kernel drops): degraded.
/// Returns {"status": "healthy"|"degraded"|"unhealthy", "components": {id: {"kind",
/// "status", "reason"}}}; the overall status is the worst component's.
boost::json::object evaluate_health(const boost::json::object& stats, const boost::json::object& previous);

/// HTTP status for a health document: 503 when unhealthy, else 200.
unsigned health_http_status(const boost::json::object& health);

}  // namespace sightline
