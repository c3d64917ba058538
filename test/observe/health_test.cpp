#include "sightline/observe/health.hpp"

#include "sightline/observe/stats_json.hpp"

#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

using sightline::evaluate_health;
using sightline::health_http_status;
using sightline::health_report;
using sightline::health_status;
using sightline::pipeline_stats;

namespace {

/// A stage entry: only the fields health reads vary.
sightline::stage_stats stage(std::string id, std::uint64_t errors, std::uint64_t queued = 0, std::uint64_t capacity = 8) {
    sightline::stage_stats s;
    s.id = std::move(id);
    s.type = "tagger";
    s.lines_in = 1000;
    s.lines_out = 1000 - errors;
    s.errors = errors;
    s.queued_batches = queued;
    s.queue_capacity = capacity;
    s.processing_time_ms = 1.5;
    return s;
}

sightline::source_stats source(std::uint64_t dropped, std::uint64_t kernel_dropped = 0) {
    sightline::source_stats s;
    s.id = "in";
    s.type = "udp";
    s.listens = true;
    s.running = true;
    s.lines = 1000;
    s.bytes = 50000;
    if (dropped) s.dropped_by_reason = {{"oversize", dropped}};
    s.datagrams = 1000;
    s.kernel_dropped_datagrams = kernel_dropped;
    return s;
}

sightline::sink_stats sink(std::uint64_t errors) {
    sightline::sink_stats s;
    s.id = "out";
    s.type = "file";
    s.lines = 1000;
    s.bytes = 50000;
    s.errors = errors;
    s.flushes = 2;
    return s;
}

/// A whole snapshot: stages "tagger" and "router", source "in", sink "out".
struct counters {
    std::uint64_t tagger_errors = 0, router_errors = 0, queued = 0, capacity = 8;
    std::uint64_t in_dropped = 0, in_kernel = 0, out_errors = 0;
};

pipeline_stats stats(const counters& c) {
    pipeline_stats p;
    p.stages = {stage("tagger", c.tagger_errors, c.queued, c.capacity), stage("router", c.router_errors)};
    p.sources = {source(c.in_dropped, c.in_kernel)};
    p.sinks = {sink(c.out_errors)};
    p.system.total_lines = 1000;
    p.system.uptime_s = 10;
    return p;
}

std::string status_of(const health_report& h) { return std::string(to_string(h.status)); }

const sightline::component_health& component(const health_report& h, std::string_view id) {
    const auto* c = h.find(id);
    if (!c) throw std::out_of_range("no component " + std::string(id));
    return *c;
}
std::string status_of(const health_report& h, std::string_view id) { return std::string(to_string(component(h, id).status)); }
std::string reason_of(const health_report& h, std::string_view id) { return component(h, id).reason; }

}  // namespace

BOOST_AUTO_TEST_SUITE(health_tests)

BOOST_AUTO_TEST_CASE(healthy_when_nothing_changed) {
    // Old errors and drops, but none during this tick.
    counters c{.tagger_errors = 4, .in_dropped = 9, .in_kernel = 2, .out_errors = 3};
    auto h = evaluate_health(stats(c), stats(c));
    BOOST_TEST(status_of(h) == "healthy");
    BOOST_TEST(health_http_status(h.status) == 200u);
    BOOST_TEST(h.components.size() == 4u);
    for (auto [id, kind] : {std::pair{"tagger", "stage"}, {"router", "stage"}, {"in", "source"}, {"out", "sink"}}) {
        BOOST_TEST_CONTEXT("component " << id) {
            BOOST_TEST_REQUIRE(h.find(id) != nullptr);
            BOOST_TEST(component(h, id).kind == kind);
            BOOST_TEST(status_of(h, id) == "healthy");
            BOOST_TEST(reason_of(h, id) == "");
        }
    }
    // Sinks, then stages, then sources, each in graph order.
    BOOST_TEST(boost::json::serialize(sightline::to_json(h)) ==
               R"({"status":"healthy","components":{"out":{"kind":"sink","status":"healthy","reason":""},)"
               R"("tagger":{"kind":"stage","status":"healthy","reason":""},"router":{"kind":"stage","status":"healthy","reason":""},)"
               R"("in":{"kind":"source","status":"healthy","reason":""}}})");
}

BOOST_AUTO_TEST_CASE(empty_stats_are_healthy) {
    auto h = evaluate_health(pipeline_stats{}, pipeline_stats{});
    BOOST_TEST(boost::json::serialize(sightline::to_json(h)) == R"({"status":"healthy","components":{}})");
    BOOST_TEST(health_http_status(h.status) == 200u);
}

BOOST_AUTO_TEST_CASE(sink_with_new_write_errors_is_unhealthy) {
    auto h = evaluate_health(stats({.out_errors = 5}), stats({.out_errors = 2}));
    BOOST_TEST(status_of(h, "out") == "unhealthy");
    BOOST_TEST(reason_of(h, "out") == "write errors: 3 lines failed");
    BOOST_TEST(component(h, "out").kind == "sink");
    BOOST_TEST(status_of(h, "tagger") == "healthy");
    BOOST_TEST(status_of(h, "in") == "healthy");
    BOOST_TEST(status_of(h) == "unhealthy");
    BOOST_TEST(health_http_status(h.status) == 503u);
}

BOOST_AUTO_TEST_CASE(stage_with_new_errors_is_degraded) {
    auto h = evaluate_health(stats({.router_errors = 11}), stats({.router_errors = 7}));
    BOOST_TEST(status_of(h, "router") == "degraded");
    BOOST_TEST(reason_of(h, "router") == "4 lines failed");
    BOOST_TEST(status_of(h, "tagger") == "healthy");
    BOOST_TEST(status_of(h) == "degraded");
    BOOST_TEST(health_http_status(h.status) == 200u);
}

BOOST_AUTO_TEST_CASE(stage_with_a_full_input_is_degraded_by_backpressure) {
    auto full = evaluate_health(stats({.queued = 8, .capacity = 8}), stats({.queued = 8, .capacity = 8}));
    BOOST_TEST(status_of(full, "tagger") == "degraded");
    BOOST_TEST(reason_of(full, "tagger").find("backpressure") != std::string::npos, reason_of(full, "tagger"));
    BOOST_TEST(status_of(full) == "degraded");
    BOOST_TEST(health_http_status(full.status) == 200u);

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
    BOOST_TEST(component(h, "in").kind == "source");
    BOOST_TEST(reason_of(h, "in") == "dropping: 7 lines, 0 datagrams (kernel)");
    BOOST_TEST(status_of(h) == "degraded");
    BOOST_TEST(health_http_status(h.status) == 200u);

    auto kernel = evaluate_health(stats({.in_kernel = 5}), stats({.in_kernel = 2}));
    BOOST_TEST(status_of(kernel, "in") == "degraded");
    BOOST_TEST(reason_of(kernel, "in") == "dropping: 0 lines, 3 datagrams (kernel)");
}

BOOST_AUTO_TEST_CASE(worst_component_wins) {
    // Sink unhealthy, stage and source degraded: unhealthy overall.
    auto all = evaluate_health(stats({.tagger_errors = 1, .in_dropped = 1, .out_errors = 1}), stats({}));
    BOOST_TEST(status_of(all, "tagger") == "degraded");
    BOOST_TEST(status_of(all, "in") == "degraded");
    BOOST_TEST(status_of(all, "out") == "unhealthy");
    BOOST_TEST(status_of(all) == "unhealthy");
    BOOST_TEST(health_http_status(all.status) == 503u);

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
    prev.sinks.clear();
    auto h = evaluate_health(stats({.out_errors = 2}), prev);
    BOOST_TEST(status_of(h, "out") == "unhealthy");
    BOOST_TEST(reason_of(h, "out") == "write errors: 2 lines failed");
}

BOOST_AUTO_TEST_CASE(http_status_is_503_only_for_unhealthy) {
    BOOST_TEST(health_http_status(health_status::unhealthy) == 503u);
    BOOST_TEST(health_http_status(health_status::degraded) == 200u);
    BOOST_TEST(health_http_status(health_status::healthy) == 200u);
}

BOOST_AUTO_TEST_CASE(a_network_source_that_stopped_listening_is_unhealthy_a_paused_one_degraded) {
    auto now = stats({});
    now.sources[0].running = false;
    auto h = evaluate_health(now, stats({}));
    BOOST_TEST(status_of(h, "in") == "unhealthy");
    BOOST_TEST(reason_of(h, "in") == "not listening");
    now.sources[0].listens = false;  // a file read to its end is not "not listening"
    BOOST_TEST(status_of(evaluate_health(now, stats({})), "in") == "healthy");
    auto paused = stats({});
    paused.sources[0].paused = true;
    auto p = evaluate_health(paused, stats({}));
    BOOST_TEST(status_of(p, "in") == "degraded");
    BOOST_TEST(reason_of(p, "in") == "paused: the pipeline is full (backpressure)");
}

BOOST_AUTO_TEST_CASE(an_open_circuit_degrades_its_stage) {
    auto now = stats({});
    now.stages[1].circuit = sightline::circuit_stats{"half_open", 1, 2};
    auto h = evaluate_health(now, stats({}));
    BOOST_TEST(status_of(h, "router") == "degraded");
    BOOST_TEST(reason_of(h, "router") == "circuit half_open");
    BOOST_TEST(status_of(h, "tagger") == "healthy");
}

BOOST_AUTO_TEST_CASE(a_network_sink_is_degraded_while_it_retries_and_unhealthy_disconnected_too_long) {
    auto with = [](auto edit) {
        auto p = stats({});
        p.sinks[0].type = "nats";
        p.sinks[0].delivery.emplace();
        auto& d = *p.sinks[0].delivery;
        d.connected = true;
        d.unhealthy_after_ms = 30000;
        d.last_error = "connect to 127.0.0.1:4222: Connection refused";
        edit(p.sinks[0]);
        return p;
    };
    auto judge = [&](auto edit) {
        auto now = with(edit);
        auto h = evaluate_health(now, with([](auto&) {}));
        const auto& c = component(h, "out");
        return std::string(to_string(c.status)) + ": " + c.reason;
    };
    BOOST_TEST(judge([](auto&) {}) == "healthy: ");
    // Idle and not connected (a peer closed an idle connection): nothing waits, healthy.
    BOOST_TEST(judge([](auto& s) {
                   s.delivery->connected = false;
                   s.delivery->disconnected_ms = 60000;
               }) == "healthy: ");
    BOOST_TEST(judge([](auto& s) { s.delivery->retrying = 1; }) ==
               "degraded: retrying: connect to 127.0.0.1:4222: Connection refused");
    BOOST_TEST(judge([](auto& s) {
                   s.delivery->connected = false;
                   s.delivery->in_flight_lines = 10;
                   s.delivery->disconnected_ms = 29000;
               }) == "degraded: disconnected: connect to 127.0.0.1:4222: Connection refused");
    BOOST_TEST(judge([](auto& s) {
                   s.delivery->connected = false;
                   s.delivery->in_flight_lines = 10;
                   s.delivery->disconnected_ms = 30000;
               }) == "unhealthy: disconnected for 30000 ms: connect to 127.0.0.1:4222: Connection refused");
    // Lines the server refused went to the dead letter: degraded, not down.
    BOOST_TEST(judge([](auto& s) {
                   s.errors = 1;
                   s.delivery->last_error = "HTTP 500: Code: 27";
               }) == "degraded: 1 lines to the dead letter: HTTP 500: Code: 27");
}

BOOST_AUTO_TEST_SUITE_END()
