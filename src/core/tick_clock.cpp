#include "sightline/core/tick_clock.hpp"

namespace sightline::tick_clock {

namespace {

std::int64_t steady_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

/// The first reading of both clocks; ratios are measured from here.
struct anchor {
    std::int64_t steady = steady_ns();
    std::uint64_t ticks = now();
};

const anchor& start() {
    static const anchor a;
    return a;
}

// Taken at start-up, so the first measurement window begins early.
[[maybe_unused]] const anchor& taken_at_load = start();

}  // namespace

double ns_per_tick() {
#ifdef SIGHTLINE_HAS_TSC
    const auto& a = start();
    auto ticks = now();
    auto elapsed_ns = steady_ns() - a.steady;
    if (elapsed_ns < 10'000'000 || ticks <= a.ticks) return 0;
    return static_cast<double>(elapsed_ns) / static_cast<double>(ticks - a.ticks);
#else
    return 1.0;
#endif
}

}  // namespace sightline::tick_clock
