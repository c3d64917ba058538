// The observer's tick: one snapshot per tick from the collected counters, with rates,
// health, Prometheus text and frames, each pushed only when there is something new.
#include "sightline/observe/observer.hpp"

#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

#include <string>
#include <thread>

using namespace std::chrono_literals;
using namespace sightline;
namespace json = boost::json;

namespace {

/// Counters the test moves between ticks: stage "s", source "in", sink "out".
struct pipeline_double {
    std::uint64_t lines = 0, sink_errors = 0;
    std::optional<std::string> circuit;

    pipeline_stats collect() const {
        pipeline_stats p;
        stage_stats s;
        s.id = "s";
        s.type = "tagger";
        s.lines_in = s.lines_out = lines;
        s.processing_time_ms = static_cast<double>(lines) / 1000.0;
        s.queue_capacity = 4;
        if (circuit) s.circuit = circuit_stats{*circuit, 0, 0};
        p.stages.push_back(s);
        source_stats in;
        in.id = "in";
        in.type = "tcp";
        in.listens = in.running = true;
        in.lines = lines;
        p.sources.push_back(in);
        sink_stats out;
        out.id = "out";
        out.type = "file";
        out.lines = lines;
        out.errors = sink_errors;
        p.sinks.push_back(out);
        p.system.total_lines = lines;
        return p;
    }
};

struct rig {
    net::io_context ioc;
    pipeline_double counters;
    error_log errors{100};
    std::vector<std::shared_ptr<const snapshot>> published;
    std::shared_ptr<observer> obs =
        std::make_shared<observer>(ioc, [this] { return counters.collect(); }, std::chrono::milliseconds(1000));
    rig() {
        obs->set_feeds(nullptr, &errors);
        obs->on_snapshot([this](const std::shared_ptr<const snapshot>& s) { published.push_back(s); });
    }
    std::shared_ptr<const snapshot> tick() {
        std::this_thread::sleep_for(5ms);  // a window of measurable length
        obs->tick_now();
        return published.back();
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(observer_tests)

BOOST_AUTO_TEST_CASE(each_tick_publishes_one_snapshot_with_rates_and_every_serialization) {
    rig r;
    auto first = r.tick();
    r.counters.lines = 500;
    auto second = r.tick();
    BOOST_TEST(first->seq == 1u);
    BOOST_TEST(second->seq == 2u);
    BOOST_TEST((r.obs->latest() == second));
    BOOST_TEST(second->stats.stages[0].rates.lines_per_second > 0.0);
    BOOST_TEST(second->stats.system.lines_per_second > 0.0);
    BOOST_TEST(second->stats.system.timestamp.has_value());
    // /stats, the stats frame and /metrics are the same numbers.
    auto doc = json::parse(*second->stats_json).as_object();
    BOOST_TEST(doc.at("processors").at("s").at("lines_in").to_number<std::uint64_t>() == 500u);
    BOOST_TEST(doc.at("system").at("bottleneck_stage").as_string() == "s");
    auto frame = json::parse(*second->stats_frame).as_object();
    BOOST_TEST(frame.at("type").as_string() == "stats");
    BOOST_TEST(frame.at("seq").to_number<std::uint64_t>() == 2u);
    BOOST_TEST(frame.at("stats") == doc);
    BOOST_TEST(frame.at("health").at("status").as_string() == "healthy");
    BOOST_TEST(second->metrics_text->find("sightline_stage_lines_in_total{stage=\"s\",type=\"tagger\"} 500\n") !=
               std::string::npos);
}

BOOST_AUTO_TEST_CASE(health_frames_are_pushed_only_when_health_changes) {
    rig r;
    auto first = r.tick();
    BOOST_TEST(first->health_frame != nullptr);  // the first judgement is news
    auto quiet = r.tick();
    BOOST_TEST(quiet->health_frame == nullptr);
    r.counters.sink_errors = 3;
    auto sick = r.tick();
    BOOST_REQUIRE(sick->health_frame != nullptr);
    BOOST_TEST((sick->health.status == health_status::unhealthy));
    BOOST_TEST(json::parse(*sick->health_json).at("components").at("out").at("reason").as_string() ==
               "write errors: 3 lines failed");
    auto recovered = r.tick();  // no new errors during this tick
    BOOST_REQUIRE(recovered->health_frame != nullptr);
    BOOST_TEST((recovered->health.status == health_status::healthy));
}

BOOST_AUTO_TEST_CASE(errors_and_circuit_changes_are_pushed_once) {
    rig r;
    r.tick();
    r.errors.add({error_record::make("s", "boom", "demo", "the line", 0)});
    auto with_error = r.tick();
    BOOST_REQUIRE(with_error->error_frame != nullptr);
    auto frame = json::parse(*with_error->error_frame).as_object();
    BOOST_TEST(frame.at("seq").to_number<std::uint64_t>() == with_error->seq);
    BOOST_TEST(frame.at("errors").as_array().size() == 1u);
    BOOST_TEST(with_error->errors_through == 1u);
    BOOST_TEST(r.tick()->error_frame == nullptr);  // nothing new

    r.counters.circuit = "open";
    auto opened = r.tick();
    BOOST_REQUIRE(opened->circuit_frame != nullptr);
    BOOST_TEST(json::parse(*opened->circuit_frame).at("stages").at("s").as_string() == "open");
    BOOST_TEST(r.tick()->circuit_frame == nullptr);
}

BOOST_AUTO_TEST_CASE(the_tick_hook_sees_the_stats_with_rates_and_may_add_to_the_snapshot) {
    rig r;
    std::uint64_t seen_previous = 99;
    r.obs->set_tick_hook([&](pipeline_stats& stats, const pipeline_stats& previous, health_report& health,
                             snapshot& out, std::chrono::steady_clock::time_point) {
        seen_previous = previous.system.total_lines;
        stats.alerts = alerts_stats{};
        stats.alerts->firing = 1;
        health.judge({"alerts", "alerts", health_status::degraded, "one firing"});
        out.alerts_json = std::make_shared<const std::string>(R"({"active":[],"history":[]})");
    });
    r.counters.lines = 7;
    r.tick();
    r.counters.lines = 9;
    auto s = r.tick();
    BOOST_TEST(seen_previous == 7u);
    BOOST_TEST(json::parse(*s->stats_json).at("alerts").at("firing").to_number<std::uint64_t>() == 1u);
    BOOST_TEST(s->metrics_text->find("sightline_alerts_firing") == std::string::npos);  // no rules: no families
    BOOST_TEST((s->health.status == health_status::degraded));
    BOOST_TEST(*s->alerts_json == R"({"active":[],"history":[]})");
}

BOOST_AUTO_TEST_SUITE_END()
