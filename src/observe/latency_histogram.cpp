#include "sightline/observe/latency_histogram.hpp"

#include <bit>
#include <cmath>

namespace sightline {

int latency_histogram::bucket_of(std::uint64_t nanos) {
    if (nanos < sub_buckets) return static_cast<int>(nanos);  // exact for tiny values
    int msb = 63 - std::countl_zero(nanos);                   // >= 3
    int shift = msb - 3;                                       // keep the top 4 bits
    int sub = static_cast<int>((nanos >> shift) & (sub_buckets - 1));
    int b = (shift + 1) * sub_buckets + sub;
    return b < bucket_count ? b : bucket_count - 1;
}

double latency_histogram::bucket_upper_ns(int bucket) {
    if (bucket < sub_buckets) return bucket;
    int shift = bucket / sub_buckets - 1;
    int sub = bucket % sub_buckets;
    return std::ldexp(static_cast<double>(sub_buckets + sub + 1), shift) - 1;
}

void latency_histogram::record(std::uint64_t nanos, std::uint64_t count) {
    if (count == 0) return;
    buckets_[static_cast<std::size_t>(bucket_of(nanos))].fetch_add(count, std::memory_order_relaxed);
    auto prev = max_ns_.load(std::memory_order_relaxed);
    while (nanos > prev && !max_ns_.compare_exchange_weak(prev, nanos, std::memory_order_relaxed)) {
    }
}

std::uint64_t latency_histogram::count_at_or_below(std::uint64_t nanos) const {
    std::uint64_t n = 0;
    int last = bucket_of(nanos);
    // A bucket counts when its whole range is at or below the bound.
    if (bucket_upper_ns(last) > static_cast<double>(nanos)) --last;
    for (int i = 0; i <= last; ++i) n += buckets_[static_cast<std::size_t>(i)].load(std::memory_order_relaxed);
    return n;
}

latency_summary latency_histogram::summary() const {
    std::array<std::uint64_t, bucket_count> counts;
    latency_summary s;
    for (int i = 0; i < bucket_count; ++i) {
        counts[static_cast<std::size_t>(i)] = buckets_[static_cast<std::size_t>(i)].load(std::memory_order_relaxed);
        s.count += counts[static_cast<std::size_t>(i)];
    }
    s.max = static_cast<double>(max_ns_.load(std::memory_order_relaxed)) / 1000.0;
    if (s.count == 0) return s;
    auto at = [&](double q) {
        auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(s.count)));
        if (rank == 0) rank = 1;
        std::uint64_t seen = 0;
        for (int i = 0; i < bucket_count; ++i) {
            seen += counts[static_cast<std::size_t>(i)];
            // The bucket's midpoint: at most half a bucket (6.25 %) from any value in it.
            if (seen >= rank) {
                double lower = i == 0 ? 0.0 : bucket_upper_ns(i - 1) + 1;
                return std::min((lower + bucket_upper_ns(i)) / 2 / 1000.0, s.max);
            }
        }
        return s.max;
    };
    s.p50 = at(0.50);
    s.p90 = at(0.90);
    s.p99 = at(0.99);
    return s;
}

}  // namespace sightline
