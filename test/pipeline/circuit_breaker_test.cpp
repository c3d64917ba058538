#include "sightline/pipeline/circuit_breaker.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <string>

using sightline::circuit_breaker;
using sightline::circuit_policy;
using state = circuit_breaker::state;
using namespace std::chrono_literals;

namespace {

/// Threshold 3 failures within 1 s; open for 500 ms.
constexpr circuit_policy policy{.failure_threshold = 3, .window_ms = 1000, .cooldown_ms = 500};

/// An arbitrary steady-clock origin, far from the epoch.
const circuit_breaker::clock::time_point t0 = circuit_breaker::clock::time_point(std::chrono::hours(1));

std::string name(state s) { return std::string(sightline::to_string(s)); }

/// A breaker that opened at `at` after 3 failures in one batch.
void open_at(circuit_breaker& b, circuit_breaker::clock::time_point at) {
    BOOST_TEST_REQUIRE(b.allow(at));
    b.record(at, 3);
    BOOST_TEST_REQUIRE(name(b.current()) == "open");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(circuit_breaker_tests)

BOOST_AUTO_TEST_CASE(starts_closed_and_stays_closed_under_the_threshold) {
    circuit_breaker b(policy);
    BOOST_TEST(name(b.current()) == "closed");
    BOOST_TEST(b.allow(t0));
    b.record(t0, 1);
    BOOST_TEST(b.allow(t0 + 10ms));
    b.record(t0 + 10ms, 0);
    b.record(t0 + 20ms, 1);  // 2 of 3 within the window
    BOOST_TEST(name(b.current()) == "closed");
    BOOST_TEST(b.allow(t0 + 30ms));
    for (int i = 0; i < 100; ++i) b.record(t0 + 40ms, 0);  // clean batches change nothing
    BOOST_TEST(name(b.current()) == "closed");
    BOOST_TEST(b.opens() == 0u);
    BOOST_TEST(b.transitions() == 0u);
}

BOOST_AUTO_TEST_CASE(failures_older_than_the_window_fall_out) {
    circuit_breaker b(policy);
    b.record(t0, 2);
    b.record(t0 + 1001ms, 1);  // the first two are now more than 1 s old
    BOOST_TEST(name(b.current()) == "closed");
    b.record(t0 + 1500ms, 1);  // 2 within the window
    BOOST_TEST(name(b.current()) == "closed");
    b.record(t0 + 2002ms, 1);  // the one at +1001 ms is now 1001 ms old: still 2
    BOOST_TEST(name(b.current()) == "closed");
    BOOST_TEST(b.opens() == 0u);
    b.record(t0 + 2100ms, 1);  // +1500, +2002, +2100: 3 within the window
    BOOST_TEST(name(b.current()) == "open");
    BOOST_TEST(b.opens() == 1u);
}

BOOST_AUTO_TEST_CASE(a_failure_exactly_window_ms_old_still_counts) {
    circuit_breaker b(policy);
    b.record(t0, 2);
    b.record(t0 + 1000ms, 1);
    BOOST_TEST(name(b.current()) == "open");
}

BOOST_AUTO_TEST_CASE(opens_at_the_threshold_across_batches) {
    circuit_breaker b(policy);
    b.record(t0, 1);
    b.record(t0 + 100ms, 1);
    BOOST_TEST(name(b.current()) == "closed");
    b.record(t0 + 200ms, 1);
    BOOST_TEST(name(b.current()) == "open");
    BOOST_TEST(b.opens() == 1u);
    BOOST_TEST(b.transitions() == 1u);
}

BOOST_AUTO_TEST_CASE(opens_when_one_batch_reaches_the_threshold) {
    circuit_breaker b(policy);
    b.record(t0, 7);
    BOOST_TEST(name(b.current()) == "open");
    BOOST_TEST(b.opens() == 1u);
    BOOST_TEST(b.transitions() == 1u);
}

BOOST_AUTO_TEST_CASE(refuses_batches_while_open_before_the_cooldown) {
    circuit_breaker b(policy);
    open_at(b, t0);
    BOOST_TEST(!b.allow(t0));
    BOOST_TEST(!b.allow(t0 + 1ms));
    BOOST_TEST(!b.allow(t0 + 499ms));
    BOOST_TEST(!b.allow(t0 + 499999us));
    BOOST_TEST(name(b.current()) == "open");
    BOOST_TEST(b.opens() == 1u);
    BOOST_TEST(b.transitions() == 1u);
}

BOOST_AUTO_TEST_CASE(after_the_cooldown_allows_one_probe_half_open) {
    circuit_breaker b(policy);
    open_at(b, t0);
    BOOST_TEST(b.allow(t0 + 500ms));
    BOOST_TEST(name(b.current()) == "half_open");
    BOOST_TEST(b.transitions() == 2u);
    BOOST_TEST(b.opens() == 1u);
}

BOOST_AUTO_TEST_CASE(a_clean_probe_closes_the_circuit) {
    circuit_breaker b(policy);
    open_at(b, t0);
    BOOST_TEST_REQUIRE(b.allow(t0 + 600ms));
    b.record(t0 + 601ms, 0);
    BOOST_TEST(name(b.current()) == "closed");
    BOOST_TEST(b.opens() == 1u);
    BOOST_TEST(b.transitions() == 3u);
    BOOST_TEST(b.allow(t0 + 602ms));
    // The failures that opened it are forgotten: it takes a full threshold again.
    b.record(t0 + 610ms, 2);
    BOOST_TEST(name(b.current()) == "closed");
    b.record(t0 + 620ms, 1);
    BOOST_TEST(name(b.current()) == "open");
    BOOST_TEST(b.opens() == 2u);
    BOOST_TEST(b.transitions() == 4u);
}

BOOST_AUTO_TEST_CASE(a_failing_probe_reopens_with_a_new_cooldown) {
    circuit_breaker b(policy);
    open_at(b, t0);
    const auto probe = t0 + 700ms;
    BOOST_TEST_REQUIRE(b.allow(probe));
    BOOST_TEST_REQUIRE(name(b.current()) == "half_open");
    b.record(probe + 5ms, 1);  // one failed line is enough
    BOOST_TEST(name(b.current()) == "open");
    BOOST_TEST(b.opens() == 2u);
    BOOST_TEST(b.transitions() == 3u);
    // The new cooldown runs from the failed probe, not from the first opening.
    BOOST_TEST(!b.allow(probe + 5ms));
    BOOST_TEST(!b.allow(probe + 504ms));
    BOOST_TEST(name(b.current()) == "open");
    BOOST_TEST(b.allow(probe + 505ms));
    BOOST_TEST(name(b.current()) == "half_open");
    BOOST_TEST(b.transitions() == 4u);
    b.record(probe + 506ms, 0);
    BOOST_TEST(name(b.current()) == "closed");
    BOOST_TEST(b.opens() == 2u);
    BOOST_TEST(b.transitions() == 5u);
}

BOOST_AUTO_TEST_CASE(to_string_names_each_state) {
    BOOST_TEST(sightline::to_string(state::closed) == "closed");
    BOOST_TEST(sightline::to_string(state::open) == "open");
    BOOST_TEST(sightline::to_string(state::half_open) == "half_open");
}

BOOST_AUTO_TEST_SUITE_END()
