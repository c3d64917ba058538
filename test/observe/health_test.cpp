#include "sightline/observe/health.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace json = boost::json;
using sightline::evaluate_health;
using sightline::health_http_status;

namespace {

using strings = std::vector<std::string>;

/// A stage entry shaped like pipeline::stats(): only the fields health reads vary.
json::object stage(std::uint64_t errors, std::uint64_t queued = 0, std::uint64_t capacity = 8) {
    return {{"type", "tagger"},  {"lines_in", 1000u},       {"lines_out", 1000u - errors},
            {"dropped", 0u},     {"errors", errors},        {"retries", 0u},
            {"queued_batches", queued}, {"queue_capacity", capacity}, {"processing_time_ms", 1.5}};
}

json::object source(std::uint64_t dropped, std::uint64_t kernel_dropped = 0) {
    return {{"type", "udp"},
            {"lines", 1000u},
            {"bytes", 50000u},
            {"dropped", dropped},
            {"dropped_by_reason", json::object{{"backpressure", dropped}}},
            {"kernel_dropped_datagrams", kernel_dropped}};
}

json::object sink(std::uint64_t errors) {
    return {{"type", "file"}, {"lines", 1000u}, {"bytes", 50000u}, {"errors", errors}, {"flushes", 2u}};
}

/// A whole stats document: stages "tagger" and "router", source "in", sink "out".
struct counters {
    std::uint64_t tagger_errors = 0, router_errors = 0, queued = 0, capacity = 8;
    std::uint64_t in_dropped = 0, in_kernel = 0, out_errors = 0;
};

json::object stats(const counters& c) {
    return {{"processors", json::object{{"tagger", stage(c.tagger_errors, c.queued, c.capacity)},
                                        {"router", stage(c.router_errors)}}},
            {"sources", json::object{{"in", source(c.in_dropped, c.in_kernel)}}},
            {"sinks", json::object{{"out", sink(c.out_errors)}}},
            {"system", json::object{{"total_lines", 1000u}, {"uptime_s", 10.0}}}};
}

std::string status_of(const json::object& health) { return std::string(health.at("status").as_string()); }

const json::object& component(const json::object& health, std::string_view id) {
    return health.at("components").as_object().at(id).as_object();
}
std::string status_of(const json::object& health, std::string_view id) {
    return std::string(component(health, id).at("status").as_string());
}
std::string reason_of(const json::object& health, std::string_view id) {
    return std::string(component(health, id).at("reason").as_string());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(health_tests)

BOOST_AUTO_TEST_CASE(healthy_when_nothing_changed) {
    // Old errors and drops, but none during this tick.
    counters c{.tagger_errors = 4, .in_dropped = 9, .in_kernel = 2, .out_errors = 3};
    auto h = evaluate_health(stats(c), stats(c));
    BOOST_TEST(status_of(h) == "healthy");
    BOOST_TEST(health_http_status(h) == 200u);
    const auto& comps = h.at("components").as_object();
    BOOST_TEST(comps.size() == 4u);
    for (auto [id, kind] : {std::pair{"tagger", "stage"}, {"router", "stage"}, {"in", "source"}, {"out", "sink"}}) {
        BOOST_TEST_CONTEXT("component " << id) {
            BOOST_TEST_REQUIRE(comps.contains(id));
            BOOST_TEST(component(h, id).at("kind").as_string() == kind);
            BOOST_TEST(status_of(h, id) == "healthy");
            BOOST_TEST(reason_of(h, id) == "");
        }
    }
    BOOST_TEST(h.size() == 2u);  // exactly "status" and "components"
}

BOOST_AUTO_TEST_CASE(empty_stats_are_healthy) {
    auto h = evaluate_health(json::object{}, json::object{});
    BOOST_TEST(json::serialize(h) == R"({"status":"healthy","components":{}})");
    BOOST_TEST(health_http_status(h) == 200u);
}

BOOST_AUTO_TEST_CASE(sink_with_new_write_errors_is_unhealthy) {
    auto h = evaluate_health(stats({.out_errors = 5}), stats({.out_errors = 2}));
    BOOST_TEST(status_of(h, "out") == "unhealthy");
    BOOST_TEST(reason_of(h, "out") == "write errors: 3 lines failed");
    BOOST_TEST(component(h, "out").at("kind").as_string() == "sink");
    BOOST_TEST(status_of(h, "tagger") == "healthy");
    BOOST_TEST(status_of(h, "in") == "healthy");
    BOOST_TEST(status_of(h) == "unhealthy");
    BOOST_TEST(health_http_status(h) == 503u);
}

BOOST_AUTO_TEST_CASE(stage_with_new_errors_is_degraded) {
    auto h = evaluate_health(stats({.router_errors = 11}), stats({.router_errors = 7}));
    BOOST_TEST(status_of(h, "router") == "degraded");
    BOOST_TEST(reason_of(h, "router") == "4 lines failed");
    BOOST_TEST(status_of(h, "tagger") == "healthy");
    BOOST_TEST(status_of(h) == "degraded");
    BOOST_TEST(health_http_status(h) == 200u);
}

BOOST_AUTO_TEST_CASE(stage_with_a_full_input_is_degraded_by_backpressure) {
    auto full = evaluate_health(stats({.queued = 8, .capacity = 8}), stats({.queued = 8, .capacity = 8}));
    BOOST_TEST(status_of(full, "tagger") == "degraded");
    BOOST_TEST(reason_of(full, "tagger").find("backpressure") != std::string::npos, reason_of(full, "tagger"));
    BOOST_TEST(status_of(full) == "degraded");
    BOOST_TEST(health_http_status(full) == 200u);

    auto almost = evaluate_health(stats({.queued = 7, .capacity = 8}), stats({}));
    BOOST_TEST(status_of(almost, "tagger") == "healthy");
    BOOST_TEST(status_of(almost) == "healthy");

    // A stage without a bounded hand-off (capacity 0) never reports backpressure.
    auto unbounded = evaluate_health(stats({.queued = 3, .capacity = 0}), stats({}));
    BOOST_TEST(status_of(unbounded, "tagger") == "healthy");
}

BOOST_AUTO_TEST_CASE(source_that_dropped_lines_is_degraded) {
    auto h = evaluate_health(stats({.in_dropped = 17}), stats({.in_dropped = 10}));
    BOOST_TEST(status_of(h, "in") == "degraded");
    BOOST_TEST(component(h, "in").at("kind").as_string() == "source");
    BOOST_TEST(reason_of(h, "in") == "dropping lines: 7 (backpressure), 0 datagrams (kernel)");
    BOOST_TEST(status_of(h) == "degraded");
    BOOST_TEST(health_http_status(h) == 200u);

    auto kernel = evaluate_health(stats({.in_kernel = 5}), stats({.in_kernel = 2}));
    BOOST_TEST(status_of(kernel, "in") == "degraded");
    BOOST_TEST(reason_of(kernel, "in") == "dropping lines: 0 (backpressure), 3 datagrams (kernel)");
}

BOOST_AUTO_TEST_CASE(worst_component_wins) {
    // Sink unhealthy, stage and source degraded: unhealthy overall.
    auto all = evaluate_health(stats({.tagger_errors = 1, .in_dropped = 1, .out_errors = 1}), stats({}));
    BOOST_TEST(status_of(all, "tagger") == "degraded");
    BOOST_TEST(status_of(all, "in") == "degraded");
    BOOST_TEST(status_of(all, "out") == "unhealthy");
    BOOST_TEST(status_of(all) == "unhealthy");
    BOOST_TEST(health_http_status(all) == 503u);

    // Healthy components after a degraded one do not lower the overall status.
    auto one = evaluate_health(stats({.tagger_errors = 2}), stats({}));
    BOOST_TEST(status_of(one, "router") == "healthy");
    BOOST_TEST(status_of(one, "in") == "healthy");
    BOOST_TEST(status_of(one) == "degraded");

    // Errors and a full queue together: still one degraded component, errors named.
    auto both = evaluate_health(stats({.tagger_errors = 3, .queued = 8}), stats({}));
    BOOST_TEST(status_of(both, "tagger") == "degraded");
    BOOST_TEST(reason_of(both, "tagger") == "3 lines failed");
}

BOOST_AUTO_TEST_CASE(components_missing_from_the_previous_snapshot_count_from_zero) {
    auto prev = stats({});
    prev.at("sinks").as_object().erase("out");
    auto h = evaluate_health(stats({.out_errors = 2}), prev);
    BOOST_TEST(status_of(h, "out") == "unhealthy");
    BOOST_TEST(reason_of(h, "out") == "write errors: 2 lines failed");
}

BOOST_AUTO_TEST_CASE(http_status_is_503_only_for_unhealthy) {
    BOOST_TEST(health_http_status({{"status", "unhealthy"}}) == 503u);
    BOOST_TEST(health_http_status({{"status", "degraded"}}) == 200u);
    BOOST_TEST(health_http_status({{"status", "healthy"}}) == 200u);
    BOOST_TEST(health_http_status(json::object{}) == 200u);
    BOOST_TEST(health_http_status({{"status", 2}}) == 200u);
}

BOOST_AUTO_TEST_SUITE_END()
