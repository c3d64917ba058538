#include "sightline/observe/rate_tracker.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <string>

using sightline::rate_tracker;
using namespace std::chrono_literals;

namespace {

using clock_type = std::chrono::steady_clock;

/// An arbitrary fixed origin: the tracker only ever looks at differences.
const clock_type::time_point t0 = clock_type::time_point{} + 1000h;

clock_type::time_point at(std::chrono::milliseconds offset) { return t0 + offset; }
clock_type::time_point at_s(int seconds) { return t0 + std::chrono::seconds(seconds); }

}  // namespace

BOOST_AUTO_TEST_SUITE(rate_tracker_tests)

BOOST_AUTO_TEST_CASE(first_update_gives_zero_rates) {
    rate_tracker r;
    auto first = r.update("stage:a", 12345, at_s(0));
    BOOST_TEST(first.last_tick == 0.0);
    BOOST_TEST(first.last_minute == 0.0);
}

BOOST_AUTO_TEST_CASE(last_tick_is_delta_over_dt) {
    rate_tracker r;
    r.update("k", 100, at(0ms));
    auto a = r.update("k", 400, at(2000ms));
    BOOST_TEST(a.last_tick == 150.0);
    BOOST_TEST(a.last_minute == 150.0);  // the window so far is those 2 seconds
    auto b = r.update("k", 450, at(2500ms));
    BOOST_TEST(b.last_tick == 100.0);
    BOOST_TEST(b.last_minute == 140.0);  // (450 - 100) / 2.5
    auto idle = r.update("k", 450, at(3500ms));
    BOOST_TEST(idle.last_tick == 0.0);
    BOOST_TEST(idle.last_minute == 100.0);  // (450 - 100) / 3.5
}

BOOST_AUTO_TEST_CASE(no_time_passed_gives_no_tick_rate) {
    rate_tracker r;
    r.update("k", 10, at_s(5));
    auto same = r.update("k", 20, at_s(5));
    BOOST_TEST(same.last_tick == 0.0);
    BOOST_TEST(same.last_minute == 0.0);
    auto later = r.update("k", 30, at_s(6));
    BOOST_TEST(later.last_tick == 10.0);
    BOOST_TEST(later.last_minute == 20.0);  // (30 - 10) / 1 over the oldest sample
}

BOOST_AUTO_TEST_CASE(counters_are_tracked_independently) {
    rate_tracker r;
    r.update("stage:a", 0, at_s(0));
    auto b0 = r.update("stage:b", 1000, at_s(0));
    BOOST_TEST(b0.last_tick == 0.0);
    auto a1 = r.update("stage:a", 50, at_s(1));
    auto b1 = r.update("stage:b", 1300, at_s(1));
    BOOST_TEST(a1.last_tick == 50.0);
    BOOST_TEST(b1.last_tick == 300.0);
    // A key first seen late starts from zero rates, whatever the others did.
    auto c = r.update("stage:c", 7, at_s(1));
    BOOST_TEST(c.last_tick == 0.0);
    BOOST_TEST(c.last_minute == 0.0);
}

BOOST_AUTO_TEST_CASE(constant_rate_over_two_minutes_of_one_second_samples) {
    rate_tracker r;
    auto first = r.update("k", 0, at_s(0));
    BOOST_TEST(first.last_tick == 0.0);
    BOOST_TEST(first.last_minute == 0.0);
    for (int t = 1; t <= 120; ++t) {
        BOOST_TEST_CONTEXT("t = " << t << " s") {
            auto rates = r.update("k", 100.0 * t, at_s(t));
            BOOST_TEST(rates.last_tick == 100.0);
            BOOST_TEST(rates.last_minute == 100.0);
        }
    }
}

BOOST_AUTO_TEST_CASE(last_minute_spans_one_minute_and_forgets_older_samples) {
    // 100 lines/s for the first minute, then 200 lines/s: v(t) = 100 t, then 6000 + 200 (t - 60).
    auto value = [](int t) { return t <= 60 ? 100.0 * t : 6000.0 + 200.0 * (t - 60); };
    rate_tracker r;
    r.update("k", value(0), at_s(0));
    for (int t = 1; t <= 120; ++t) {
        auto rates = r.update("k", value(t), at_s(t));
        BOOST_TEST_CONTEXT("t = " << t << " s") {
            BOOST_TEST(rates.last_tick == (t <= 60 ? 100.0 : 200.0));
            // The window is the last 60 s (or everything, in the first minute).
            int from = std::max(0, t - 60);
            double expected = (value(t) - value(from)) / (t - from);
            BOOST_TEST(rates.last_minute == expected, boost::test_tools::tolerance(1e-12));
        }
        // Exact points: samples older than a minute no longer count.
        if (t == 60) BOOST_TEST(rates.last_minute == 100.0);
        if (t == 75) BOOST_TEST(rates.last_minute == 125.0);   // (9000 - 1500) / 60
        if (t == 90) BOOST_TEST(rates.last_minute == 150.0);   // (12000 - 3000) / 60
        if (t == 120) BOOST_TEST(rates.last_minute == 200.0);  // (18000 - 6000) / 60
    }
}

BOOST_AUTO_TEST_CASE(a_burst_leaves_the_minute_window_after_a_minute) {
    // 10000 lines in the first second, then a steady 100/s.
    rate_tracker r;
    r.update("k", 0, at_s(0));
    double v = 10000;
    auto burst = r.update("k", v, at_s(1));
    BOOST_TEST(burst.last_tick == 10000.0);
    BOOST_TEST(burst.last_minute == 10000.0);
    for (int t = 2; t <= 61; ++t) {
        v += 100;
        auto rates = r.update("k", v, at_s(t));
        if (t == 60) BOOST_TEST(rates.last_minute == (v - 0) / 60.0);  // burst still inside: (15900) / 60
        if (t == 61) BOOST_TEST(rates.last_minute == 100.0);            // window now starts at t = 1
    }
}

BOOST_AUTO_TEST_CASE(irregular_ticks_keep_one_sample_at_or_before_the_minute_boundary) {
    rate_tracker r;
    r.update("k", 0, at_s(0));
    r.update("k", 3000, at_s(30));
    // At t = 100 the sample at 30 s is the newest one at or before the boundary (40 s):
    // the window spans 70 s rather than leaving a gap; the sample at 0 s is gone.
    auto rates = r.update("k", 10000, at_s(100));
    BOOST_TEST(rates.last_tick == 100.0);    // (10000 - 3000) / 70
    BOOST_TEST(rates.last_minute == 100.0);  // same window, not 10000 / 100
    auto next = r.update("k", 12000, at_s(110));
    BOOST_TEST(next.last_tick == 200.0);      // (12000 - 10000) / 10
    BOOST_TEST(next.last_minute == 112.5);    // (12000 - 3000) / 80: 30 s is still the boundary sample
    auto later = r.update("k", 18000, at_s(170));
    BOOST_TEST(later.last_tick == 100.0);     // (18000 - 12000) / 60
    BOOST_TEST(later.last_minute == 100.0);   // window [110 s, 170 s]: 30 s and 100 s were dropped
}

BOOST_AUTO_TEST_SUITE_END()
