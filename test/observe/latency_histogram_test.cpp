#include "sightline/observe/latency_histogram.hpp"

#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstdint>
#include <memory>
#include <sstream>
#include <vector>

using sightline::latency_histogram;

namespace {

/// Relative distance of `measured` from `truth`.
double relative_error(double measured, double truth) { return std::abs(measured - truth) / truth; }

/// Values spread over the documented range (0 .. 2^48 ns): every value below 4096,
/// each power of two with its neighbours, and a deterministic pseudo-random spread.
std::vector<std::uint64_t> sample_values() {
    std::vector<std::uint64_t> v;
    for (std::uint64_t i = 0; i < 4096; ++i) v.push_back(i);
    for (int k = 3; k <= 48; ++k) {
        std::uint64_t p = std::uint64_t{1} << k;
        for (std::uint64_t d : {p - 1, p, p + 1, p + p / 16 - 1, p + p / 16, p + p / 2}) v.push_back(d);
    }
    std::uint64_t x = 0x9E3779B97F4A7C15ull;
    for (int i = 0; i < 20000; ++i) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        int bits = 1 + static_cast<int>((x >> 58) % 48);  // 1..48 significant bits
        v.push_back((x >> 11) & ((std::uint64_t{1} << bits) - 1));
    }
    return v;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(latency_histogram_tests)

BOOST_AUTO_TEST_CASE(every_value_lies_inside_its_bucket_bounds) {
    std::size_t violations = 0;
    std::ostringstream first;
    for (auto v : sample_values()) {
        int b = latency_histogram::bucket_of(v);
        bool ok = b >= 0 && b < latency_histogram::bucket_count &&
                  static_cast<double>(v) <= latency_histogram::bucket_upper_ns(b) &&
                  (b == 0 || static_cast<double>(v) > latency_histogram::bucket_upper_ns(b - 1));
        if (!ok && violations++ == 0) first << "value " << v << " bucket " << b;
    }
    BOOST_TEST(violations == 0u, first.str());
}

BOOST_AUTO_TEST_CASE(buckets_are_monotonic_and_exact_for_small_values) {
    for (std::uint64_t v = 0; v < 8; ++v) {
        BOOST_TEST(latency_histogram::bucket_of(v) == static_cast<int>(v));
        BOOST_TEST(latency_histogram::bucket_upper_ns(static_cast<int>(v)) == static_cast<double>(v));
    }
    // Values 8..15 are still one per bucket; from 16 on, buckets double in width per octave.
    BOOST_TEST(latency_histogram::bucket_of(15) == 15);
    BOOST_TEST(latency_histogram::bucket_of(16) == 16);
    BOOST_TEST(latency_histogram::bucket_of(17) == 16);
    BOOST_TEST(latency_histogram::bucket_of(18) == 17);
    BOOST_TEST(latency_histogram::bucket_upper_ns(16) == 17.0);
    BOOST_TEST(latency_histogram::bucket_of(1000) == 63);
    BOOST_TEST(latency_histogram::bucket_upper_ns(63) == 1023.0);
    int prev = 0;
    std::size_t decreasing = 0;
    for (std::uint64_t v = 0; v < 200000; ++v) {
        int b = latency_histogram::bucket_of(v);
        if (b < prev) ++decreasing;
        prev = b;
    }
    BOOST_TEST(decreasing == 0u);
    std::size_t not_increasing = 0;
    for (int b = 1; b < latency_histogram::bucket_count; ++b)
        if (!(latency_histogram::bucket_upper_ns(b) > latency_histogram::bucket_upper_ns(b - 1))) ++not_increasing;
    BOOST_TEST(not_increasing == 0u);
}

BOOST_AUTO_TEST_CASE(values_beyond_the_range_go_to_the_last_bucket) {
    BOOST_TEST(latency_histogram::bucket_of(UINT64_MAX) == latency_histogram::bucket_count - 1);
    BOOST_TEST(latency_histogram::bucket_of(std::uint64_t{1} << 60) == latency_histogram::bucket_count - 1);
    BOOST_TEST(latency_histogram::bucket_upper_ns(latency_histogram::bucket_count - 1) >= std::ldexp(1.0, 48));
}

BOOST_AUTO_TEST_CASE(empty_histogram_summarises_to_zeros) {
    latency_histogram h;
    auto s = h.summary();
    BOOST_TEST(s.count == 0u);
    BOOST_TEST(s.p50 == 0.0);
    BOOST_TEST(s.p90 == 0.0);
    BOOST_TEST(s.p99 == 0.0);
    BOOST_TEST(s.max == 0.0);
    h.record(5000, 0);  // a zero count records nothing
    s = h.summary();
    BOOST_TEST(s.count == 0u);
    BOOST_TEST(s.max == 0.0);
}

BOOST_AUTO_TEST_CASE(percentiles_of_a_uniform_distribution_are_within_the_documented_error) {
    auto h = std::make_unique<latency_histogram>();
    for (std::uint64_t ns = 1; ns <= 100000; ++ns) h->record(ns);
    auto s = h->summary();
    BOOST_TEST(s.count == 100000u);
    BOOST_TEST(s.max == 100.0);
    // Reported values are bucket midpoints (capped at the max), in microseconds.
    BOOST_TEST(s.p50 == 51199.5 / 1000.0);
    BOOST_TEST(s.p90 == 86015.5 / 1000.0);
    BOOST_TEST(s.p99 == 100.0);
    BOOST_TEST(relative_error(s.p50, 50.0) <= 0.0625);
    BOOST_TEST(relative_error(s.p90, 90.0) <= 0.0625);
    BOOST_TEST(relative_error(s.p99, 99.0) <= 0.0625);
}

BOOST_AUTO_TEST_CASE(percentiles_of_a_two_level_distribution) {
    latency_histogram h;
    for (int i = 0; i < 900; ++i) h.record(1'000);      // 1 us
    for (int i = 0; i < 90; ++i) h.record(50'000);      // 50 us
    for (int i = 0; i < 10; ++i) h.record(3'000'000);   // 3 ms
    auto s = h.summary();
    BOOST_TEST(s.count == 1000u);
    BOOST_TEST(s.p50 == 991.5 / 1000.0);
    BOOST_TEST(s.p90 == 991.5 / 1000.0);    // rank 900 is the last 1 us line
    BOOST_TEST(s.p99 == 51199.5 / 1000.0);   // rank 990 is the last 50 us line
    BOOST_TEST(s.max == 3000.0);
    BOOST_TEST(relative_error(s.p50, 1.0) <= 0.0625);
    BOOST_TEST(relative_error(s.p99, 50.0) <= 0.0625);
}

BOOST_AUTO_TEST_CASE(max_is_exact_not_bucketed) {
    latency_histogram h;
    h.record(1001);
    BOOST_TEST(h.summary().max == 1.001);
    h.record(123456789);
    h.record(7);
    auto s = h.summary();
    BOOST_TEST(s.max == 123456789.0 / 1000.0);
    BOOST_TEST(s.count == 3u);
    // A single value is reported exactly: the bucket bound is capped at the max.
    latency_histogram one;
    one.record(8192);
    BOOST_TEST(one.summary().p50 == 8.192);
    BOOST_TEST(one.summary().p99 == 8.192);
}

BOOST_AUTO_TEST_CASE(weighted_record_counts_every_line) {
    latency_histogram h;
    h.record(1000, 99);
    h.record(1'000'000, 1);
    auto s = h.summary();
    BOOST_TEST(s.count == 100u);
    BOOST_TEST(s.p50 == 0.9915);
    BOOST_TEST(s.p99 == 0.9915);  // rank 99 is still a 1 us line
    BOOST_TEST(s.max == 1000.0);
    h.record(1000, 2);  // 101 fast of 102: rank ceil(0.99*102)=101 is still fast
    BOOST_TEST(h.summary().p99 == 0.9915);
    h.record(1'000'000, 5);  // 101 fast, 6 slow: rank ceil(0.99*107)=106 is slow
    BOOST_TEST(h.summary().count == 107u);
    BOOST_TEST(h.summary().p99 == 1000.0);

    latency_histogram a, b;
    a.record(777, 50);
    for (int i = 0; i < 50; ++i) b.record(777);
    BOOST_TEST(a.summary().count == b.summary().count);
    BOOST_TEST(a.summary().p50 == b.summary().p50);
    BOOST_TEST(a.summary().max == b.summary().max);
}

// Regression: percentiles were reported at the bucket upper bound (12.5 % off).
BOOST_AUTO_TEST_CASE(percentile_at_a_bucket_lower_edge_is_within_the_documented_error) {
    latency_histogram h;
    h.record(8192, 50);
    h.record(100000, 50);
    auto s = h.summary();
    BOOST_TEST(relative_error(s.p50, 8.192) <= 0.0625);
}

BOOST_AUTO_TEST_SUITE_END()
