#pragma once
#include <array>
#include <atomic>
#include <cstdint>

namespace sightline {

/// Percentiles of a latency histogram, in microseconds.
struct latency_summary {
    double p50 = 0, p90 = 0, p99 = 0, max = 0;
    std::uint64_t count = 0;
};

/// Log-linear histogram of per-line latencies in nanoseconds (8 buckets per power of
/// two; a percentile is reported as its bucket's midpoint, within 6.25 % of the truth). One writer (the stage's
/// strand) records with relaxed atomics; any thread may read a summary at any time.
class latency_histogram {
public:
    static constexpr int sub_buckets = 8;
    static constexpr int octaves = 48;  // up to 2^48 ns, about 3 days
    static constexpr int bucket_count = sub_buckets * octaves;

    /// Records `count` lines that each took `nanos`.
    void record(std::uint64_t nanos, std::uint64_t count = 1);
    /// p50, p90, p99 and max over everything recorded, in microseconds.
    latency_summary summary() const;
    /// Lines recorded at or below `nanos` (bucket granularity), for cumulative buckets.
    std::uint64_t count_at_or_below(std::uint64_t nanos) const;
    /// Bucket index of a value, and the upper bound of a bucket (exposed for tests).
    static int bucket_of(std::uint64_t nanos);
    static double bucket_upper_ns(int bucket);

private:
    std::array<std::atomic<std::uint64_t>, bucket_count> buckets_{};
    std::atomic<std::uint64_t> max_ns_{0};
};

}  // namespace sightline
