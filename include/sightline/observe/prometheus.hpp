#pragma once
#include <boost/json/object.hpp>
#include <string>

namespace sightline {

/// Renders a /stats snapshot as Prometheus text format 0.0.4 (names `sightline_*`,
/// counters ending in `_total`, base units), so /metrics and /stats always agree.
std::string to_prometheus(const boost::json::object& stats);

}  // namespace sightline
