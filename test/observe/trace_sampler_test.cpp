#include "sightline/observe/trace_sampler.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "sightline/core/line_batch.hpp"
#include "sightline/core/trace_record.hpp"

using sightline::line_batch;
using sightline::trace_record;
using sightline::trace_sampler;

namespace {

using strings = std::vector<std::string>;

line_batch make_batch(const strings& lines) {
    line_batch b;
    for (const auto& l : lines) b.append(l);
    return b;
}

/// A batch of `n` short distinct lines.
line_batch numbered_batch(std::size_t n) {
    line_batch b;
    for (std::size_t i = 0; i < n; ++i) b.append("line " + std::to_string(i));
    return b;
}

std::vector<std::uint64_t> line_ids(const line_batch& b) {
    std::vector<std::uint64_t> out;
    for (const auto& t : b.traces) out.push_back(t.record->line_id);
    return out;
}

bool strictly_increasing(const std::vector<std::uint64_t>& v) {
    return std::adjacent_find(v.begin(), v.end(), [](auto a, auto b) { return a >= b; }) == v.end();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(trace_sampler_tests)

// Regression: rate 1 once built a geometric distribution with p = 1 (undefined behaviour).
BOOST_AUTO_TEST_CASE(rate_one_marks_every_line_with_a_received_step) {
    trace_sampler s(1.0);
    BOOST_TEST(s.rate() == 1.0);
    auto b = make_batch({"alpha", "", "gamma delta"});
    s.mark(b, "tcp_in");
    BOOST_TEST_REQUIRE(b.traces.size() == 3u);
    for (std::uint32_t i = 0; i < 3; ++i) {
        const auto& t = b.traces[i];
        BOOST_TEST(t.index == i);
        BOOST_TEST_REQUIRE(t.record != nullptr);
        const trace_record& r = *t.record;
        BOOST_TEST(r.line_id != 0u);
        BOOST_TEST(r.source == "tcp_in");
        BOOST_TEST(r.original_content() == std::string(b.text(i)));
        BOOST_TEST(!r.original_cut);
        BOOST_TEST(r.outcome.empty());
        BOOST_TEST_REQUIRE(r.path.size() == 1u);
        BOOST_TEST(r.path[0].processor == "tcp_in");
        BOOST_TEST(r.path[0].status == "received");
        BOOST_TEST(r.path[0].unix_us > 0);
        BOOST_TEST(r.path[0].tag.empty());
        BOOST_TEST(r.detail_of(r.path[0]).empty());
    }
    // Every trace has its own record.
    BOOST_TEST(b.traces[0].record.get() != b.traces[1].record.get());
    // Marking does not touch the lines.
    BOOST_TEST(b.size() == 3u);
    BOOST_TEST(*b.bytes == "alphagamma delta");
}

BOOST_AUTO_TEST_CASE(empty_batch_gets_no_traces) {
    trace_sampler s(1.0);
    line_batch b;
    s.mark(b, "in");
    BOOST_TEST(b.traces.empty());
}

BOOST_AUTO_TEST_CASE(line_ids_are_unique_and_increasing_across_batches) {
    trace_sampler s(1.0);
    auto first = numbered_batch(5);
    auto second = numbered_batch(4);
    s.mark(first, "a");
    s.mark(second, "b");
    auto ids1 = line_ids(first);
    auto ids2 = line_ids(second);
    BOOST_TEST_REQUIRE(ids1.size() == 5u);
    BOOST_TEST_REQUIRE(ids2.size() == 4u);
    BOOST_TEST(strictly_increasing(ids1));
    BOOST_TEST(strictly_increasing(ids2));
    BOOST_TEST(ids2.front() > ids1.back());
    BOOST_TEST(second.traces[0].record->source == "b");
    BOOST_TEST(second.traces[0].record->path[0].processor == "b");
}

BOOST_AUTO_TEST_CASE(line_ids_stay_unique_when_four_threads_mark_at_once) {
    constexpr std::size_t threads = 4, batches = 50, lines = 100;
    trace_sampler s(1.0);
    std::array<std::vector<std::uint64_t>, threads> seen;
    std::array<bool, threads> ordered{};
    {
        std::vector<std::thread> workers;
        for (std::size_t t = 0; t < threads; ++t)
            workers.emplace_back([&, t] {
                for (std::size_t k = 0; k < batches; ++k) {
                    auto b = numbered_batch(lines);
                    s.mark(b, "src" + std::to_string(t));
                    for (const auto& tl : b.traces) seen[t].push_back(tl.record->line_id);
                }
                ordered[t] = strictly_increasing(seen[t]);
            });
        for (auto& w : workers) w.join();
    }
    std::set<std::uint64_t> all;
    std::size_t total = 0;
    for (std::size_t t = 0; t < threads; ++t) {
        BOOST_TEST(seen[t].size() == batches * lines);
        BOOST_TEST(ordered[t], "thread " << t << " saw line ids out of order");
        total += seen[t].size();
        all.insert(seen[t].begin(), seen[t].end());
    }
    BOOST_TEST(total == threads * batches * lines);
    BOOST_TEST(all.size() == total);  // no duplicates
    BOOST_TEST(all.count(0) == 0u);
}

BOOST_AUTO_TEST_CASE(original_content_is_cut_beyond_1024_bytes) {
    BOOST_TEST(trace_record::max_content == 1024u);
    std::string exact(1024, 'x');
    std::string over = std::string(1024, 'y') + "Z";
    std::string long_line(5000, 'q');
    long_line[1023] = 'A';
    long_line[1024] = 'B';
    trace_sampler s(1.0);
    auto b = make_batch({exact, over, long_line, "short"});
    s.mark(b, "file");
    BOOST_TEST_REQUIRE(b.traces.size() == 4u);

    const auto& r0 = *b.traces[0].record;
    BOOST_TEST(r0.original_content() == exact);
    BOOST_TEST(!r0.original_cut);

    const auto& r1 = *b.traces[1].record;
    BOOST_TEST(r1.original_content().size() == 1024u);
    BOOST_TEST(r1.original_content() == std::string(1024, 'y'));
    BOOST_TEST(r1.original_cut);

    const auto& r2 = *b.traces[2].record;
    BOOST_TEST(r2.original_content().size() == 1024u);
    BOOST_TEST(r2.original_content().back() == 'A');
    BOOST_TEST(r2.original_cut);

    const auto& r3 = *b.traces[3].record;
    BOOST_TEST(r3.original_content() == "short");
    BOOST_TEST(!r3.original_cut);
    // The batch itself keeps the whole lines.
    BOOST_TEST(b.text(2).size() == 5000u);
}

BOOST_AUTO_TEST_CASE(rate_one_tenth_samples_about_a_tenth_over_mixed_batch_sizes) {
    // Each line is traced independently with p = 0.1, so the count over n = 100 000
    // lines is Binomial(n, p): mean 10 000, sigma = sqrt(n p (1 - p)) = 94.87. The
    // 5-sigma band [9526, 10474] is left with probability below 1e-6.
    constexpr std::size_t n = 100'000;
    constexpr double p = 0.1;
    const double sigma = std::sqrt(n * p * (1 - p));
    BOOST_TEST(sigma == 94.868, boost::test_tools::tolerance(1e-4));
    const double low = n * p - 5 * sigma, high = n * p + 5 * sigma;

    trace_sampler s(p);
    constexpr std::array<std::size_t, 4> sizes{1, 7, 1000, 8192};
    std::size_t lines = 0, traced = 0, batches = 0;
    bool indices_ok = true, ids_ok = true;
    std::uint64_t last_id = 0;
    while (lines < n) {
        std::size_t size = std::min(sizes[batches % sizes.size()], n - lines);
        auto b = numbered_batch(size);
        s.mark(b, "udp");
        for (std::size_t k = 0; k < b.traces.size(); ++k) {
            const auto& t = b.traces[k];
            if (t.index >= size || (k > 0 && t.index <= b.traces[k - 1].index)) indices_ok = false;
            if (t.record->line_id <= last_id) ids_ok = false;
            last_id = t.record->line_id;
            if (t.record->original_content() != b.text(t.index)) indices_ok = false;
        }
        traced += b.traces.size();
        lines += size;
        ++batches;
    }
    BOOST_TEST(lines == n);
    BOOST_TEST(indices_ok, "trace indices must be ascending, in range and point at their line");
    BOOST_TEST(ids_ok, "line ids must increase");
    BOOST_TEST(static_cast<double>(traced) >= low, "traced " << traced << " lines, expected >= " << low);
    BOOST_TEST(static_cast<double>(traced) <= high, "traced " << traced << " lines, expected <= " << high);
}

BOOST_AUTO_TEST_CASE(rate_one_tenth_is_unbiased_with_single_line_batches) {
    // A sampler that restarted its gap at each batch without a fresh geometric draw
    // (e.g. always tracing index 0) would trace every one of these lines.
    constexpr std::size_t n = 100'000;
    constexpr double p = 0.1;
    const double sigma = std::sqrt(n * p * (1 - p));
    trace_sampler s(p);
    std::size_t traced = 0;
    bool indices_ok = true;
    for (std::size_t i = 0; i < n; ++i) {
        auto b = make_batch({"x"});
        s.mark(b, "in");
        traced += b.traces.size();
        if (b.traces.size() > 1 || (!b.traces.empty() && b.traces[0].index != 0)) indices_ok = false;
    }
    BOOST_TEST(indices_ok, "a one-line batch has at most one trace, at index 0");
    BOOST_TEST(static_cast<double>(traced) >= n * p - 5 * sigma, "traced " << traced);
    BOOST_TEST(static_cast<double>(traced) <= n * p + 5 * sigma, "traced " << traced);
}

BOOST_AUTO_TEST_CASE(rates_outside_zero_to_one_are_rejected) {
    BOOST_CHECK_THROW(trace_sampler(0.0), std::invalid_argument);
    BOOST_CHECK_THROW(trace_sampler(1.5), std::invalid_argument);
    BOOST_CHECK_THROW(trace_sampler(-0.1), std::invalid_argument);
    BOOST_CHECK_THROW(trace_sampler(std::numeric_limits<double>::quiet_NaN()), std::invalid_argument);
    BOOST_CHECK_NO_THROW(trace_sampler(1.0));
    BOOST_CHECK_NO_THROW(trace_sampler(1e-9));
    try {
        trace_sampler bad(1.5);
        BOOST_FAIL("no exception");
    } catch (const std::invalid_argument& e) {
        BOOST_TEST(std::string(e.what()) == "trace sample rate must be in (0, 1]");
    }
}

BOOST_AUTO_TEST_SUITE_END()
