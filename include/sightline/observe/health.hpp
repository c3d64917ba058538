#pragma once
#include <boost/json/object.hpp>

namespace sightline {

/// When components count as degraded (the `health` config section).
struct health_thresholds {
    /// A stage is degraded when more than this share of its lines failed during the tick.
    double stage_error_ratio = 0.0;
    /// A stage is degraded when its input hand-off is at least this full (0 to 1).
    double queue_fill = 1.0;
    /// A source is degraded when it dropped more than this many lines during the tick.
    double source_dropped_lines = 0.0;
};

/// Judges health from two consecutive stats snapshots (what changed during the tick):
/// - a sink that failed writes: unhealthy;
/// - a stage whose circuit is open, whose share of failed lines passed the threshold, or
///   whose input hand-off is full: degraded;
/// - a network source that no longer listens: unhealthy;
/// - a source that dropped lines (UDP backpressure, kernel drops) or is paused: degraded.
/// Returns {"status": "healthy"|"degraded"|"unhealthy", "components": {id: {"kind",
/// "status", "reason"}}}; the overall status is the worst component's.
boost::json::object evaluate_health(const boost::json::object& stats, const boost::json::object& previous,
                                    const health_thresholds& limits = {});

/// HTTP status for a health document: 503 when unhealthy, else 200.
unsigned health_http_status(const boost::json::object& health);

}  // namespace sightline
