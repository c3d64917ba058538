#pragma once
#include <cstdint>

namespace sightline {

/// Resident set size of this process in bytes (0 if /proc is unavailable).
std::uint64_t current_rss_bytes();
/// Peak resident set size of this process in bytes.
std::uint64_t peak_rss_bytes();
/// CPU seconds (user + system) used by this process so far.
double process_cpu_seconds();

}  // namespace sightline
