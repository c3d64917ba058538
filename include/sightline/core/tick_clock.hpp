#pragma once
#include <chrono>
#include <cstdint>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define SIGHTLINE_HAS_TSC 1
#endif

namespace sightline::tick_clock {

/// A cheap clock for timing one line at one stage. With every line traced, a clock is
/// read per line per stage: on x86 this is the invariant time-stamp counter (a few ns),
/// where clock_gettime takes about 20. Elsewhere it is steady_clock in nanoseconds.
inline std::uint64_t now() {
#ifdef SIGHTLINE_HAS_TSC
    return __rdtsc();
#else
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count());
#endif
}

/// Nanoseconds per tick of now(), measured against steady_clock over the process
/// lifetime so far (so it sharpens as time passes); 0 during the first 10 ms, before a
/// measurement can be trusted: callers then time with steady_clock instead.
double ns_per_tick();

}  // namespace sightline::tick_clock
