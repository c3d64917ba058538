#pragma once
#include <cstdint>
#include <string>

#include "sightline/observe/stats.hpp"

namespace sightline {

/// Resident set size of this process in bytes (0 if /proc is unavailable).
std::uint64_t current_rss_bytes();
/// Peak resident set size of this process in bytes.
std::uint64_t peak_rss_bytes();
/// CPU seconds (user + system) used by this process so far.
double process_cpu_seconds();

/// Open file descriptors of this process (entries of /proc/self/fd).
std::uint64_t open_fd_count();
/// The soft limit on open file descriptors.
std::uint64_t max_fd_count();
/// When this process started, in seconds since the Unix epoch.
double process_start_unix_seconds();
/// Memory the host can still give to programs (MemAvailable), in bytes.
std::uint64_t host_memory_available_bytes();
/// Free bytes (for unprivileged users) on the file system holding `path`; 0 if unknown.
std::uint64_t disk_free_bytes(const std::string& path);

/// Fills the process figures of `s`: memory, CPU, file descriptors, start time, host
/// memory and the build's version.
void read_process_figures(system_stats& s);

}  // namespace sightline
