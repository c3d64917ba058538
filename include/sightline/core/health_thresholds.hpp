#pragma once

namespace sightline {

/// When components count as degraded (the `health` config section; defaults here only).
struct health_thresholds {
    /// A stage is degraded when more than this share of its lines failed during the tick.
    double stage_error_ratio = 0.0;
    /// A stage is degraded when its input hand-off is at least this full (0 to 1).
    double queue_fill = 1.0;
    /// A source is degraded when it dropped more than this many lines during the tick.
    double source_dropped_lines = 0.0;
    /// A sink is degraded when its disk buffer is at least this full (0 to 1).
    double buffer_fill = 0.9;
};

}  // namespace sightline
