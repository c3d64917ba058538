#pragma once
#include <string>

#include "sightline/observe/stats.hpp"

namespace sightline {

/// Renders a snapshot as Prometheus text format 0.0.4 (names `sightline_*`, counters
/// ending in `_total`, base units), so /metrics and /stats always agree.
std::string to_prometheus(const pipeline_stats& stats);

}  // namespace sightline
