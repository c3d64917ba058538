#pragma once
#include <chrono>
#include <string>

namespace sightline {

/// RFC 3339 UTC with microseconds, e.g. "2026-11-22T14:39:51.123456Z".
std::string format_rfc3339(std::chrono::system_clock::time_point t);

/// Microseconds since the Unix epoch.
std::int64_t unix_us(std::chrono::system_clock::time_point t);

}  // namespace sightline
