#pragma once
#include <chrono>

#include "sightline/observe/rate_tracker.hpp"
#include "sightline/observe/stats.hpp"

namespace sightline {

/// Adds the figures over time to collections of raw counters: rates, utilization, queue
/// fill and the bottleneck stage, each over the window since the previous collection it
/// saw (the last tick for the observer; the whole run for a tracker that saw only the
/// start) and over the last minute. The one place these rules live:
/// - utilization: a stage's busy time (processing_time_ms) per second of wall time,
///   clamped to 0..1;
/// - bottleneck: the stage with the highest utilization + queue fill over the window
///   (a stage whose input backs up is ahead of one that merely works; a slow stage
///   fills its own input, and the stages before it then wait on it with little busy
///   time); the first in graph order on a tie; none while that sum is 0 everywhere.
/// Not thread-safe: one owner feeds it.
class stats_rates {
public:
    /// Fills the rate fields of `stats` from its counters at `now`.
    void apply(pipeline_stats& stats, std::chrono::steady_clock::time_point now);

private:
    rate_tracker rates_;
    /// Per stage: queue fill integrated over time (fill x seconds), for its 1-minute mean.
    std::map<std::string, double> fill_seconds_;
    std::optional<std::chrono::steady_clock::time_point> last_;
};

}  // namespace sightline
