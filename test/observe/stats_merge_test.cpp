// The figures of a component a reload replaced add to its successor's: counters keep
// growing and the identities hold over the pair.
#include "sightline/observe/stats_merge.hpp"

#include <boost/test/unit_test.hpp>

using namespace sightline;

BOOST_AUTO_TEST_SUITE(stats_merge_tests)

BOOST_AUTO_TEST_CASE(stage_counters_add_and_the_identity_holds) {
    stage_stats old_one{.id = "r", .type = "tag_router", .lines_in = 10, .lines_out = 6, .dropped = 1,
                        .dropped_by_reason = {{"no_route", 1}}, .errors = 2, .errors_by_type = {{"fault", 2}},
                        .in_flight = 1, .batches = 3};
    old_one.latency_buckets = {{1, 4}, {10, 9}};
    stage_stats fresh{.id = "r", .type = "tag_router", .lines_in = 5, .lines_out = 5, .batches = 1};
    fresh.latency_buckets = {{1, 1}, {10, 5}};
    add_counters(fresh, old_one);
    BOOST_TEST(fresh.lines_in == 15u);
    BOOST_TEST(fresh.lines_in == fresh.lines_out + fresh.dropped + fresh.errors + fresh.in_flight);
    BOOST_TEST(fresh.dropped_by_reason.at("no_route") == 1u);
    BOOST_TEST(fresh.errors_by_type.at("fault") == 2u);
    BOOST_TEST(fresh.batches == 4u);
    BOOST_TEST(fresh.latency_buckets[0].count == 5u);
    BOOST_TEST(fresh.latency_buckets[1].count == 14u);
}

BOOST_AUTO_TEST_CASE(sink_delivery_and_buffer_figures_add) {
    sink_stats old_one{.id = "out", .type = "http", .lines = 7, .errors = 1};
    old_one.delivery = delivery_stats{.accepted = 10, .in_flight_lines = 2, .delivered_messages = 3, .duplicates = 1};
    old_one.buffer = buffer_stats{.bytes = 100, .lines = 2, .accepted = 10};
    sink_stats fresh{.id = "out", .type = "http", .lines = 1};
    fresh.delivery = delivery_stats{.accepted = 1};
    add_counters(fresh, old_one);
    BOOST_TEST(fresh.lines == 8u);
    BOOST_TEST(fresh.delivery->accepted == 11u);
    BOOST_TEST(fresh.delivery->accepted == fresh.lines + fresh.errors + fresh.delivery->in_flight_lines);
    BOOST_TEST(*fresh.delivery->duplicates == 1u);
    BOOST_REQUIRE(fresh.buffer);
    BOOST_TEST(fresh.buffer->lines == 2u);
}

BOOST_AUTO_TEST_CASE(source_figures_add_by_name) {
    source_stats old_one{.id = "in", .type = "tcp", .lines = 4, .connections_accepted = 3, .connections_closed = 3};
    old_one.figures = {{"rotations", 2}};
    source_stats fresh{.id = "in", .type = "tcp", .lines = 1, .connections_accepted = 1};
    fresh.figures = {{"rotations", 1}, {"files", 5}};
    add_counters(fresh, old_one);
    BOOST_TEST(fresh.lines == 5u);
    BOOST_TEST(fresh.connections_active() == 1u);
    BOOST_TEST(fresh.figures[0].second == 3u);
    BOOST_TEST(fresh.figures[1].second == 5u);
}

BOOST_AUTO_TEST_SUITE_END()
