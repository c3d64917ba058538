#pragma once
#include <cstdint>

namespace sightline::tick_clock {

/// A cheap clock for timing one line at one stage. With every line traced, a clock is
/// read per line per stage: on x86 this is the invariant time-stamp counter (a few ns),
/// where clock_gettime takes about 20. Elsewhere it is steady_clock in nanoseconds.
std::uint64_t now();

/// Nanoseconds per tick of now(), measured against steady_clock over the process
/// lifetime so far (so it sharpens as time passes); 0 during the first 10 ms, before a
/// measurement can be trusted: callers then time with steady_clock instead.
double ns_per_tick();

}  // namespace sightline::tick_clock
