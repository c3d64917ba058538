#include "sightline/observe/process_stats.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>

namespace sightline {

std::uint64_t current_rss_bytes() {
    std::ifstream statm("/proc/self/statm");
    std::uint64_t size = 0, resident = 0;
    if (!(statm >> size >> resident)) return 0;
    return resident * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}

std::uint64_t peak_rss_bytes() {
    rusage ru{};
    ::getrusage(RUSAGE_SELF, &ru);
    return static_cast<std::uint64_t>(ru.ru_maxrss) * 1024u;
}

double process_cpu_seconds() {
    rusage ru{};
    ::getrusage(RUSAGE_SELF, &ru);
    auto tv = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
    return tv(ru.ru_utime) + tv(ru.ru_stime);
}

namespace {
// Taken when the program loads, which is when it starts for every purpose here.
const double start_unix_seconds =
    std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}  // namespace

std::uint64_t open_fd_count() {
    std::error_code ec;
    std::uint64_t n = 0;
    for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec); !ec && it != std::filesystem::directory_iterator();
         it.increment(ec))
        ++n;
    return n;
}

std::uint64_t max_fd_count() {
    rlimit rl{};
    return ::getrlimit(RLIMIT_NOFILE, &rl) == 0 ? static_cast<std::uint64_t>(rl.rlim_cur) : 0;
}

double process_start_unix_seconds() { return start_unix_seconds; }

std::uint64_t host_memory_available_bytes() {
    std::ifstream meminfo("/proc/meminfo");
    std::string key;
    std::uint64_t kb = 0;
    std::string unit;
    while (meminfo >> key >> kb >> unit)
        if (key == "MemAvailable:") return kb * 1024;
    return 0;
}

std::uint64_t disk_free_bytes(const std::string& path) {
    std::error_code ec;
    auto dir = std::filesystem::absolute(path, ec).parent_path();
    auto space = std::filesystem::space(dir, ec);
    return ec ? 0 : static_cast<std::uint64_t>(space.available);
}

void read_process_figures(system_stats& s) {
    s.rss_bytes = current_rss_bytes();
    // The kernel updates ru_maxrss lazily (statm is exact): a peak is never below now.
    s.peak_rss_bytes = std::max(peak_rss_bytes(), s.rss_bytes);
    s.cpu_seconds = process_cpu_seconds();
    s.open_fds = open_fd_count();
    s.max_fds = max_fd_count();
    s.start_time_unix_s = process_start_unix_seconds();
    s.host_memory_available_bytes = host_memory_available_bytes();
#ifdef SIGHTLINE_VERSION
    s.version = SIGHTLINE_VERSION;
#endif
}

}  // namespace sightline
