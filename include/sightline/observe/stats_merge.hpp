#pragma once
#include "sightline/observe/stats.hpp"

namespace sightline {

/// Adds the counters of a component that a reload replaced (`from`, still draining or
/// finished) to those of its successor with the same id (`into`), so every counter of an
/// id keeps growing across reloads and the accounting identities hold for the whole run.
/// Gauges and percentiles stay the successor's, except what is still queued or in flight
/// in the old one, which is added.
void add_counters(stage_stats& into, const stage_stats& from);
void add_counters(source_stats& into, const source_stats& from);
void add_counters(sink_stats& into, const sink_stats& from);

}  // namespace sightline
