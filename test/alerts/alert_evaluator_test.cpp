#include "sightline/alerts/alert_evaluator.hpp"

#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "sightline/alerts/alerts_config.hpp"
#include "sightline/alerts/rule_samples.hpp"

namespace json = boost::json;
using namespace std::chrono_literals;
using sightline::alert;
using sightline::alert_evaluator;
using sightline::alert_state;

namespace {

using strings = std::vector<std::string>;

std::vector<sightline::alert_rule> rules(const std::string& alerts_json) {
    sightline::problems found;
    auto v = json::parse(alerts_json);
    auto cfg = sightline::parse_alerts_config(&v.as_object(), found);
    BOOST_REQUIRE_MESSAGE(found.empty(), (found.empty() ? std::string() : found.items().front()));
    return cfg.rules;
}

/// Cumulative counters of a pipeline with stages enrich and route, source tcp_in, sink out.
struct counters {
    std::uint64_t enrich_in = 0, enrich_errors = 0, route_in = 0, route_errors = 0;
    std::uint64_t src_lines = 0, rss = 10'000'000;
    double paused_ms = 0, uptime_s = 0;
    double p99 = 10, src_rate = 0;
    std::string circuit = "closed";
    sightline::named_counts dropped_by_reason;
};

sightline::pipeline_stats stats(const counters& c) {
    auto stage = [](std::string id, std::uint64_t in, std::uint64_t errors) {
        sightline::stage_stats s;
        s.id = std::move(id);
        s.type = "tagger";
        s.lines_in = in;
        s.lines_out = in - errors;
        s.errors = errors;
        s.rates.utilization = 0.5;
        s.rates.queue_fill = 0.25;
        s.latency_us = {1, 2, 3, 4};
        return s;
    };
    sightline::pipeline_stats p;
    p.stages.push_back(stage("enrich", c.enrich_in, c.enrich_errors));
    p.stages.back().latency_us.p99 = c.p99;
    p.stages.back().circuit = sightline::circuit_stats{c.circuit, 0, 0};
    p.stages.push_back(stage("route", c.route_in, c.route_errors));
    sightline::source_stats src;
    src.id = "tcp_in";
    src.type = "tcp";
    src.lines = c.src_lines;
    src.dropped_by_reason = c.dropped_by_reason;
    src.paused_ms_total = c.paused_ms;
    src.lines_per_second = c.src_rate;
    p.sources.push_back(src);
    sightline::sink_stats out;
    out.id = "out";
    out.type = "file";
    p.sinks.push_back(out);
    p.system.uptime_s = c.uptime_s;
    p.system.rss_bytes = c.rss;
    p.system.cpu_percent = 50;
    return p;
}

/// Drives an evaluator tick by tick with a clock it controls.
struct driver {
    alert_evaluator eval;
    sightline::pipeline_stats previous;
    std::chrono::steady_clock::time_point now{};
    std::chrono::system_clock::time_point wall{std::chrono::sys_days{std::chrono::year{2026} / 11 / 22}};

    driver(const std::string& alerts_json, std::size_t history = 500) : eval(rules(alerts_json), history) {}

    std::vector<alert> tick(const counters& c, std::chrono::milliseconds step = 1000ms) {
        now += step;
        wall += step;
        auto s = stats(c);
        auto changed = eval.evaluate(s, previous, wall, now);
        previous = s;
        return changed;
    }
};

strings states(const std::vector<alert>& list) {
    strings out;
    for (const auto& a : list) {
        std::string id = a.labels.at("alertname");
        for (auto k : {"stage", "source", "sink", "reason"})
            if (a.labels.count(k)) id += std::string(" ") + k + "=" + a.labels.at(k);
        out.push_back(id + " " + std::string(to_string(a.state)));
    }
    return out;
}

const char* error_rule = R"({"rules": [{"name": "HighErrorRate", "expr": "error_rate", "stage": "*", "above": 0.05,
    "for_ms": 2000, "severity": "critical", "summary": "{stage} fails {value:.1%} of lines"}]})";

}  // namespace

BOOST_AUTO_TEST_SUITE(alert_evaluator_tests)

BOOST_AUTO_TEST_CASE(pending_then_firing_after_for_ms_then_resolved) {
    driver d(error_rule);
    counters c;
    c.enrich_in = c.route_in = 1000;
    BOOST_TEST(d.tick(c).empty());  // no errors
    c.enrich_in += 100;
    c.route_in += 100;
    c.enrich_errors += 10;  // 10 % of this tick's lines
    auto changed = d.tick(c);
    BOOST_TEST(states(changed) == strings{"HighErrorRate stage=enrich pending"}, boost::test_tools::per_element());
    BOOST_TEST(changed[0].value == 0.1);
    BOOST_TEST(changed[0].annotations.at("summary") == "enrich fails 10.0% of lines");
    BOOST_TEST(d.eval.active().size() == 1u);

    c.enrich_in += 100;
    c.enrich_errors += 20;
    BOOST_TEST(d.tick(c).empty());  // held 1 s of 2: still pending, value updated
    BOOST_TEST(d.eval.active()[0].value == 0.2);
    BOOST_TEST(d.eval.firing_critical().empty());

    c.enrich_in += 100;
    c.enrich_errors += 20;
    changed = d.tick(c);  // held 2 s: fires
    BOOST_TEST(states(changed) == strings{"HighErrorRate stage=enrich firing"}, boost::test_tools::per_element());
    BOOST_REQUIRE(changed[0].starts_at);
    BOOST_TEST((*changed[0].starts_at == d.wall));
    BOOST_TEST(d.eval.firing_critical().size() == 1u);

    c.enrich_in += 100;  // no new errors
    changed = d.tick(c);
    BOOST_TEST(states(changed) == strings{"HighErrorRate stage=enrich resolved"}, boost::test_tools::per_element());
    BOOST_REQUIRE(changed[0].ends_at);
    BOOST_TEST((*changed[0].ends_at == d.wall));
    BOOST_TEST(d.eval.active().empty());

    auto doc = d.eval.to_json();
    BOOST_TEST(doc.at("active").as_array().empty());
    const auto& history = doc.at("history").as_array();
    BOOST_REQUIRE_EQUAL(history.size(), 2u);
    BOOST_TEST(history[0].at("state").as_string() == "resolved");  // newest first
    BOOST_TEST(history[1].at("state").as_string() == "firing");
    BOOST_TEST(history[0].at("labels").at("stage").as_string() == "enrich");
    BOOST_TEST(history[0].at("labels").at("severity").as_string() == "critical");
    BOOST_TEST(history[0].at("starts_at").is_string());
    BOOST_TEST(history[0].at("ends_at").is_string());
    BOOST_TEST(history[1].at("ends_at").is_null());
}

BOOST_AUTO_TEST_CASE(a_pending_alert_that_stops_holding_goes_back_to_inactive_silently) {
    driver d(error_rule);
    counters c;
    c.enrich_in = 100;
    c.enrich_errors = 50;
    BOOST_TEST(states(d.tick(c)) == strings{"HighErrorRate stage=enrich pending"}, boost::test_tools::per_element());
    c.enrich_in += 100;
    BOOST_TEST(d.tick(c).empty());
    BOOST_TEST(d.eval.active().empty());
    BOOST_TEST(d.eval.to_json().at("history").as_array().empty());
    // Holding again starts the for_ms clock over.
    c.enrich_in += 100;
    c.enrich_errors += 50;
    BOOST_TEST(states(d.tick(c)) == strings{"HighErrorRate stage=enrich pending"}, boost::test_tools::per_element());
    c.enrich_in += 100;
    c.enrich_errors += 50;
    BOOST_TEST(d.tick(c).empty());
}

BOOST_AUTO_TEST_CASE(for_ms_zero_fires_on_the_first_tick_and_star_makes_one_alert_per_component) {
    driver d(R"({"rules": [{"name": "Errors", "expr": "error_rate", "stage": "*", "above": 0}]})");
    counters c;
    c.enrich_in = c.route_in = 10;
    c.enrich_errors = c.route_errors = 1;
    BOOST_TEST(states(d.tick(c)) == (strings{"Errors stage=enrich firing", "Errors stage=route firing"}),
               boost::test_tools::per_element());
    c.enrich_in += 10;
    c.route_in += 10;
    c.route_errors += 1;
    BOOST_TEST(states(d.tick(c)) == strings{"Errors stage=enrich resolved"}, boost::test_tools::per_element());
    BOOST_TEST(states(d.eval.active()) == strings{"Errors stage=route firing"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_named_selector_watches_only_that_component_and_below_compares_downwards) {
    driver d(R"({"rules": [{"name": "SourceSilent", "expr": "lines_per_second", "source": "tcp_in", "below": 1},
                           {"name": "SlowStage", "expr": "latency_p99_us", "stage": "enrich", "above": 5000,
                            "labels": {"team": "ingest"}, "summary": "{team}: {stage} p99 {value:.0f} us"}]})");
    counters c;
    c.src_rate = 100;
    c.p99 = 6000;
    auto changed = d.tick(c);
    BOOST_TEST(states(changed) == strings{"SlowStage stage=enrich firing"}, boost::test_tools::per_element());
    BOOST_TEST(changed[0].labels.at("team") == "ingest");
    BOOST_TEST(changed[0].annotations.at("summary") == "ingest: enrich p99 6000 us");
    c.src_rate = 0.5;
    c.p99 = 100;
    BOOST_TEST(states(d.tick(c)) == (strings{"SourceSilent source=tcp_in firing", "SlowStage stage=enrich resolved"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(drop_rate_by_reason_paused_ratio_circuit_and_system_values) {
    sightline::alert_rule rule;
    counters before, now;
    before.src_lines = 900;
    before.dropped_by_reason = {{"backpressure", 0}};
    now.src_lines = 990;
    now.dropped_by_reason = {{"backpressure", 6}, {"oversize", 4}};
    before.uptime_s = 10;
    now.uptime_s = 12;
    before.paused_ms = 500;
    now.paused_ms = 1500;
    now.circuit = "half_open";
    auto sample = [&](const std::string& json_rules) {
        auto r = rules(json_rules);
        return sightline::sample_rule(r.at(0), stats(now), stats(before));
    };
    auto all = sample(R"({"rules": [{"name": "D", "expr": "drop_rate", "source": "*", "above": 0}]})");
    BOOST_REQUIRE_EQUAL(all.size(), 1u);
    BOOST_TEST(all[0].value == 0.1);  // 10 of 100 lines this tick
    auto per_reason = sample(R"({"rules": [{"name": "D", "expr": "drop_rate", "source": "*", "reason": "*", "above": 0}]})");
    BOOST_REQUIRE_EQUAL(per_reason.size(), 2u);
    BOOST_TEST(per_reason[0].labels.at("reason") == "backpressure");
    BOOST_TEST(per_reason[0].value == 6.0 / 96.0);
    BOOST_TEST(per_reason[1].labels.at("reason") == "oversize");
    BOOST_TEST(per_reason[1].value == 4.0 / 94.0);
    auto paused = sample(R"({"rules": [{"name": "P", "expr": "paused_ratio", "source": "tcp_in", "above": 0}]})");
    BOOST_TEST(paused.at(0).value == 0.5);  // 1 s paused in 2 s
    BOOST_TEST(sample(R"({"rules": [{"name": "C", "expr": "circuit_open", "stage": "*", "above": 0}]})").at(0).value == 1.0);
    auto rss = sample(R"({"rules": [{"name": "M", "expr": "rss_bytes", "above": 0}]})");
    BOOST_REQUIRE_EQUAL(rss.size(), 1u);
    BOOST_TEST(rss[0].value == 1e7);
    BOOST_TEST(rss[0].labels.size() == 2u);  // alertname and severity only
    BOOST_TEST(sample(R"({"rules": [{"name": "U", "expr": "cpu_ratio", "above": 0}]})").at(0).value == 0.5);
    BOOST_TEST(sample(R"({"rules": [{"name": "Q", "expr": "queue_fill", "stage": "route", "above": 0}]})").at(0).value == 0.25);
    BOOST_TEST(sample(R"({"rules": [{"name": "E", "expr": "error_rate", "sink": "nope", "above": 0}]})").empty());
}

BOOST_AUTO_TEST_CASE(history_is_bounded_and_counts_by_rule_include_zero) {
    driver d(R"({"rules": [{"name": "Errors", "expr": "error_rate", "stage": "enrich", "above": 0, "severity": "info"},
                           {"name": "Never", "expr": "rss_bytes", "above": 1e15}]})",
             3);
    counters c;
    for (int i = 0; i < 5; ++i) {
        c.enrich_in += 10;
        if (i % 2 == 0) c.enrich_errors += 1;
        d.tick(c);
    }
    BOOST_TEST(d.eval.to_json().at("history").as_array().size() == 3u);
    auto summary = d.eval.summary();
    BOOST_TEST(summary.firing == 1u);
    BOOST_TEST(summary.pending == 0u);
    BOOST_TEST(summary.active.size() == 1u);
    const auto& by_rule = summary.by_rule;
    BOOST_REQUIRE_EQUAL(by_rule.size(), 2u);
    BOOST_TEST(by_rule[0].alertname == "Errors");
    BOOST_TEST(by_rule[0].firing == 1u);
    BOOST_TEST(by_rule[1].alertname == "Never");
    BOOST_TEST(by_rule[1].firing == 0u);
    BOOST_TEST(by_rule[1].severity == "warning");
}

BOOST_AUTO_TEST_CASE(firing_critical_alerts_degrade_health) {
    driver d(R"({"rules": [{"name": "Errors", "expr": "error_rate", "stage": "enrich", "above": 0, "severity": "critical"}]})");
    counters c;
    c.enrich_in = 10;
    c.enrich_errors = 1;
    d.tick(c);
    using sightline::health_status;
    sightline::health_report health;
    sightline::apply_alerts_to_health(health, d.eval.firing_critical());
    BOOST_TEST((health.status == health_status::degraded));
    BOOST_REQUIRE(health.find("alerts"));
    BOOST_TEST(health.find("alerts")->reason == "critical alert firing: Errors{stage=enrich}");
    BOOST_TEST(health.find("alerts")->kind == "alerts");
    sightline::health_report unhealthy;
    unhealthy.judge({"out", "sink", health_status::unhealthy, "write errors"});
    sightline::apply_alerts_to_health(unhealthy, d.eval.firing_critical());
    BOOST_TEST((unhealthy.status == health_status::unhealthy));  // never lowered
    sightline::health_report fine;
    sightline::apply_alerts_to_health(fine, {});
    BOOST_TEST((fine.status == health_status::healthy));
    BOOST_REQUIRE(fine.find("alerts"));
    BOOST_TEST((fine.find("alerts")->status == health_status::healthy));
}

BOOST_AUTO_TEST_CASE(the_built_in_rules_are_valid_and_quiet_on_a_healthy_pipeline) {
    alert_evaluator eval(sightline::default_alert_rules(), 10);
    counters c;
    c.enrich_in = c.route_in = c.src_lines = 1000;
    sightline::pipeline_stats previous;
    auto now = std::chrono::steady_clock::now();
    for (int i = 0; i < 3; ++i) {
        auto s = stats(c);
        BOOST_TEST(eval.evaluate(s, previous, std::chrono::system_clock::now(), now + i * 1s).empty());
        previous = s;
        c.enrich_in += 100;
        c.route_in += 100;
        c.src_lines += 100;
        c.uptime_s += 1;
    }
}

BOOST_AUTO_TEST_SUITE_END()
