#include "sightline/observe/stats_rates.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <string>

using namespace std::chrono_literals;
using sightline::pipeline_stats;
using sightline::stats_rates;

namespace {

/// Stages a, b, c with the given busy time (ms, cumulative) and queue depth of 4.
pipeline_stats three_stages(double busy_a, double busy_b, double busy_c, std::uint64_t queued_b = 0) {
    pipeline_stats p;
    for (auto [id, busy] : {std::pair{"a", busy_a}, {"b", busy_b}, {"c", busy_c}}) {
        sightline::stage_stats s;
        s.id = id;
        s.processing_time_ms = busy;
        s.queue_capacity = 4;
        p.stages.push_back(s);
    }
    p.stages[1].queued_batches = queued_b;
    return p;
}

const std::chrono::steady_clock::time_point t0{};

}  // namespace

BOOST_AUTO_TEST_SUITE(stats_rates_tests)

BOOST_AUTO_TEST_CASE(utilization_is_busy_time_per_second_of_the_window_clamped_to_one) {
    stats_rates r;
    auto first = three_stages(0, 0, 0);
    r.apply(first, t0);
    BOOST_TEST(first.stages[0].rates.utilization == 0.0);  // no window yet
    auto next = three_stages(250, 2000, 0);                 // a busy 250 ms of 1 s; b more than the wall time
    r.apply(next, t0 + 1s);
    BOOST_TEST(next.stages[0].rates.utilization == 0.25);
    BOOST_TEST(next.stages[1].rates.utilization == 1.0);
    BOOST_TEST(next.stages[2].rates.utilization == 0.0);
    // Over the minute so far (2 s): a was busy 250 + 750 ms.
    auto third = three_stages(1000, 2000, 0);
    r.apply(third, t0 + 2s);
    BOOST_TEST(third.stages[0].rates.utilization == 0.75);
    BOOST_TEST(third.stages[0].rates.utilization_1m == 0.5);
}

BOOST_AUTO_TEST_CASE(the_bottleneck_is_the_highest_utilization_plus_queue_fill_and_none_while_idle) {
    stats_rates r;
    auto idle = three_stages(0, 0, 0);
    r.apply(idle, t0);
    BOOST_TEST(!idle.system.bottleneck_stage.has_value());
    BOOST_TEST(!idle.system.bottleneck_stage_1m.has_value());

    // a works hardest; b is less busy but its input is full: b limits the pipeline.
    auto s = three_stages(900, 400, 100, 4);
    r.apply(s, t0 + 1s);
    BOOST_TEST(s.stages[1].rates.queue_fill == 1.0);
    BOOST_REQUIRE(s.system.bottleneck_stage.has_value());
    BOOST_TEST(*s.system.bottleneck_stage == "b");
    BOOST_TEST(*s.system.bottleneck_stage_1m == "b");

    // Its input drains: now the busiest stage is the bottleneck, while over the minute
    // b (full for half of it) still is.
    auto t = three_stages(1800, 500, 200, 0);
    r.apply(t, t0 + 2s);
    BOOST_TEST(*t.system.bottleneck_stage == "a");
    BOOST_TEST(t.stages[1].rates.queue_fill_1m == 0.5);
    BOOST_TEST(*t.system.bottleneck_stage_1m == "a");  // a: 0.9 + 0; b: 0.25 + 0.5
}

BOOST_AUTO_TEST_CASE(a_tie_goes_to_the_first_stage_in_graph_order) {
    stats_rates r;
    auto s0 = three_stages(0, 0, 0);
    r.apply(s0, t0);
    auto s = three_stages(500, 500, 100);
    r.apply(s, t0 + 1s);
    BOOST_TEST(*s.system.bottleneck_stage == "a");
}

BOOST_AUTO_TEST_CASE(a_tracker_that_saw_only_the_start_measures_the_whole_run) {
    // As the completion record and --save-metrics do: primed at start, applied at the end.
    stats_rates r;
    pipeline_stats start;
    start.sources.push_back({});
    start.sources[0].id = "in";
    start.sinks.push_back({});
    start.sinks[0].id = "out";
    r.apply(start, t0);
    auto end = start;
    end.sources[0].lines = 5000;
    end.sinks[0].lines = 4000;
    end.system.total_lines = 5000;
    end.system.cpu_seconds = 2.5;
    r.apply(end, t0 + 10s);
    BOOST_TEST(end.sources[0].lines_per_second == 500.0);
    BOOST_TEST(end.sources[0].lines_per_second_1m == 500.0);
    BOOST_TEST(end.sinks[0].lines_per_second == 400.0);
    BOOST_TEST(end.system.lines_per_second == 500.0);
    BOOST_TEST(end.system.cpu_percent == 25.0);
}

BOOST_AUTO_TEST_SUITE_END()
