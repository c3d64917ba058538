#include "sightline/alerts/alerts_config.hpp"

#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "sightline/app/config_file.hpp"
#include "sightline/app/pipeline.hpp"

namespace json = boost::json;
using sightline::alert_subject;
using sightline::alerts_config;
using sightline::parse_alerts_config;
using sightline::problems;

namespace {

using strings = std::vector<std::string>;

strings problems_of(const std::string& alerts_json) {
    problems found;
    auto v = json::parse(alerts_json);
    parse_alerts_config(&v.as_object(), found);
    return found.items();
}

alerts_config parse_ok(const std::string& alerts_json) {
    problems found;
    auto v = json::parse(alerts_json);
    auto cfg = parse_alerts_config(&v.as_object(), found);
    BOOST_TEST(found.items() == strings{}, boost::test_tools::per_element());
    return cfg;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(alerts_config_tests)

BOOST_AUTO_TEST_CASE(the_documented_example_parses) {
    auto cfg = parse_ok(R"({
      "rules": [
        {"name": "HighErrorRate", "expr": "error_rate", "stage": "*", "above": 0.05, "for_ms": 10000,
         "severity": "critical", "summary": "{stage} fails {value:.1%} of lines"},
        {"name": "SlowStage", "expr": "latency_p99_us", "stage": "enrich", "above": 5000, "for_ms": 30000},
        {"name": "SourceSilent", "expr": "lines_per_second", "source": "tcp_in", "below": 1, "for_ms": 60000},
        {"name": "Backpressure", "expr": "paused_ratio", "source": "*", "above": 0.5, "for_ms": 10000}
      ],
      "alertmanager": {"url": "http://127.0.0.1:9093"},
      "webhooks": [{"url": "http://127.0.0.1:9000/hook"}]
    })");
    BOOST_TEST(!cfg.built_in_rules);
    BOOST_REQUIRE_EQUAL(cfg.rules.size(), 4u);
    const auto& r = cfg.rules[0];
    BOOST_TEST(r.name == "HighErrorRate");
    BOOST_TEST((r.subject == alert_subject::stage));
    BOOST_TEST(r.selector == "*");
    BOOST_TEST(r.above);
    BOOST_TEST(r.threshold == 0.05);
    BOOST_TEST(r.for_ms == 10000);
    BOOST_TEST(r.severity == "critical");
    BOOST_TEST(r.path == "alerts.rules[0]");
    BOOST_TEST(cfg.rules[1].severity == "warning");
    BOOST_TEST(!cfg.rules[2].above);
    BOOST_TEST(cfg.rules[2].threshold == 1.0);
    BOOST_TEST((cfg.rules[2].subject == alert_subject::source));
    BOOST_REQUIRE(cfg.alertmanager);
    BOOST_TEST(cfg.alertmanager->url.host == "127.0.0.1");
    BOOST_TEST(cfg.alertmanager->url.port == "9093");
    BOOST_TEST(cfg.alertmanager->url.target == "/");
    BOOST_REQUIRE_EQUAL(cfg.webhooks.size(), 1u);
    BOOST_TEST(cfg.webhooks[0].url.port == "9000");
    BOOST_TEST(cfg.webhooks[0].url.target == "/hook");
    BOOST_TEST(cfg.resend_interval_ms == 60000);
    BOOST_TEST(cfg.history_capacity == 500);
    BOOST_TEST(cfg.delivery.max_attempts == 8);
}

BOOST_AUTO_TEST_CASE(without_rules_the_built_in_rules_apply_and_an_empty_list_means_none) {
    problems found;
    auto absent = parse_alerts_config(nullptr, found);
    BOOST_TEST(found.empty());
    BOOST_TEST(absent.built_in_rules);
    BOOST_TEST(absent.rules.size() == sightline::default_alert_rules().size());
    BOOST_TEST(absent.rules.size() == 8u);
    BOOST_TEST(parse_ok(R"({"rules": []})").rules.empty());
}

BOOST_AUTO_TEST_CASE(invalid_rules_fail_with_their_json_path) {
    BOOST_TEST(problems_of(R"({"rules": [{"name": "A", "expr": "eror_rate", "stage": "*", "above": 1}]})") ==
                   (strings{"alerts.rules[0].expr: must be one of \"error_rate\", \"drop_rate\", \"lines_per_second\", "
                            "\"latency_p99_us\", \"utilization\", \"queue_fill\", \"circuit_open\", \"paused_ratio\", "
                            "\"buffer_fill\", \"buffer_oldest_age_s\", \"disconnected_s\", "
                            "\"rss_bytes\", \"cpu_ratio\", got \"eror_rate\""}),
               boost::test_tools::per_element());
    BOOST_TEST(problems_of(R"({"rules": [{"expr": "error_rate", "stage": "*", "above": 1}]})") ==
                   (strings{"alerts.rules[0].name: required string is missing"}),
               boost::test_tools::per_element());
    BOOST_TEST(problems_of(R"({"rules": [{"name": "A", "expr": "error_rate", "stage": "*"},
                                         {"name": "B", "expr": "error_rate", "stage": "*", "above": 1, "below": 0}]})") ==
                   (strings{"alerts.rules[0]: give exactly one of \"above\" and \"below\"",
                            "alerts.rules[1]: give exactly one of \"above\" and \"below\""}),
               boost::test_tools::per_element());
    BOOST_TEST(problems_of(R"({"rules": [{"name": "A", "expr": "error_rate", "above": 1}]})") ==
                   (strings{"alerts.rules[0]: error_rate needs a selector: one of \"stage\", \"source\", \"sink\""}),
               boost::test_tools::per_element());
    BOOST_TEST(problems_of(R"({"rules": [{"name": "A", "expr": "rss_bytes", "stage": "x", "above": 1}]})") ==
                   (strings{"alerts.rules[0]: rss_bytes does not apply to a stage (it takes no selector)"}),
               boost::test_tools::per_element());
    BOOST_TEST(problems_of(R"({"rules": [{"name": "A", "expr": "paused_ratio", "stage": "x", "above": 1}]})") ==
                   (strings{"alerts.rules[0]: paused_ratio does not apply to a stage (use \"source\")"}),
               boost::test_tools::per_element());
    BOOST_TEST(problems_of(R"({"rules": [{"name": "A", "expr": "error_rate", "stage": "*", "above": 1,
                                          "summary": "{stag} is {value:.1%}", "for_ms": -1}]})") ==
                   (strings{"alerts.rules[0].for_ms: must be at least 0"}),
               boost::test_tools::per_element());
    BOOST_TEST(problems_of(R"({"rules": [{"name": "A", "expr": "error_rate", "stage": "*", "above": 1,
                                          "summary": "{stag} is {value:.1%}"}]})") ==
                   (strings{"alerts.rules[0].summary: unknown placeholder {stag} (known here: alertname, severity, "
                            "value, threshold, expr, stage)"}),
               boost::test_tools::per_element());
    BOOST_TEST(problems_of(R"({"rules": [{"name": "A", "expr": "error_rate", "stage": "*", "above": 1, "reason": "x",
                                          "severity": "page", "labels": {"stage": "y", "9x": "z"}}]})") ==
                   (strings{"alerts.rules[0].severity: must be one of \"critical\", \"warning\", \"info\", got \"page\""}),
               boost::test_tools::per_element());
    BOOST_TEST(problems_of(R"({"rules": [{"name": "A", "expr": "error_rate", "stage": "*", "above": 1, "reason": "x",
                                          "labels": {"stage": "y", "9x": "z", "team": "ops"}}]})") ==
                   (strings{"alerts.rules[0].reason: only drop_rate takes a reason",
                            "alerts.rules[0].labels.stage: label \"stage\" is set by Sightline",
                            "alerts.rules[0].labels.9x: label names are letters, digits and _, not starting with a digit"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(receivers_are_checked) {
    BOOST_TEST(problems_of(R"({"alertmanager": {"url": "https://am:9093"}, "webhooks": [{"url": "ftp://x"}, {}],
                               "delivery": {"timeout_ms": 1}, "extra": 1})") ==
                   (strings{"alerts.extra: unknown key (expected one of: rules, alertmanager, webhooks, delivery, history_capacity)"}),
               boost::test_tools::per_element());
    BOOST_TEST(problems_of(R"({"alertmanager": {"url": "http://am:9093", "tls": {"ca_file": "/ca.pem"}},
                               "webhooks": [{"url": "ftp://x"}, {}, {"url": "https://h", "tls": {"cert_file": "c", "x": 1}}],
                               "delivery": {"timeout_ms": 1}})") ==
                   (strings{"alerts.alertmanager.tls: applies to https:// urls only",
                            "alerts.webhooks[0].url: expected http://host[:port][/path] or https://host[:port][/path]",
                            "alerts.webhooks[1].url: required string is missing",
                            "alerts.webhooks[2].tls.x: unknown key (expected one of: ca_file, cert_file, key_file, server_name, verify)",
                            "alerts.webhooks[2].tls.key_file: is missing (a client certificate needs both cert_file and key_file)",
                            "alerts.delivery.timeout_ms: must be at least 10"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(https_receivers_take_tls_settings) {
    sightline::problems found;
    auto section = boost::json::parse(R"({"alertmanager": {"url": "https://am.example.com/",
                                          "tls": {"ca_file": "/etc/ca.pem", "server_name": "am", "verify": false}},
                                          "webhooks": [{"url": "https://[::1]:8443/hook"}]})").as_object();
    auto cfg = sightline::parse_alerts_config(&section, found);
    BOOST_TEST(found.empty());
    BOOST_REQUIRE(cfg.alertmanager);
    BOOST_TEST(cfg.alertmanager->url.https);
    BOOST_TEST(cfg.alertmanager->url.port == "443");
    BOOST_REQUIRE(cfg.alertmanager->tls);
    BOOST_TEST(cfg.alertmanager->tls->ca_file == "/etc/ca.pem");
    BOOST_TEST(cfg.alertmanager->tls->server_name == "am");
    BOOST_TEST(!cfg.alertmanager->tls->verify);
    BOOST_REQUIRE_EQUAL(cfg.webhooks.size(), 1u);
    BOOST_TEST(cfg.webhooks[0].url.host == "::1");
    BOOST_TEST(cfg.webhooks[0].url.port == "8443");
    BOOST_TEST(!cfg.webhooks[0].tls);
}

BOOST_AUTO_TEST_CASE(urls_parse_into_host_port_and_target) {
    std::string why;
    auto u = sightline::parse_http_url("http://[::1]:9093/api/v2/alerts?x=1", why);
    BOOST_REQUIRE(u);
    BOOST_TEST(u->host == "::1");
    BOOST_TEST(u->port == "9093");
    BOOST_TEST(u->target == "/api/v2/alerts?x=1");
    u = sightline::parse_http_url("http://alerts.example", why);
    BOOST_REQUIRE(u);
    BOOST_TEST(u->port == "80");
    BOOST_TEST(u->target == "/");
    BOOST_TEST(!sightline::parse_http_url("http://host:99999/", why));
    BOOST_TEST(why == "bad port \"99999\"");
    BOOST_TEST(!sightline::parse_http_url("http://:80/", why));
    BOOST_TEST(why == "missing host");
    BOOST_TEST(!sightline::parse_http_url("http://u:p@host/", why));
    BOOST_TEST(!sightline::parse_http_url("http://host/a b", why));
    BOOST_TEST(!u->https);
    u = sightline::parse_http_url("https://logs.example.com/in?x=1", why);
    BOOST_REQUIRE(u);
    BOOST_TEST(u->https);
    BOOST_TEST(u->host == "logs.example.com");
    BOOST_TEST(u->port == "443");
    BOOST_TEST(u->target == "/in?x=1");
    BOOST_TEST(!sightline::parse_http_url("ftp://x", why));
    BOOST_TEST(why == "expected http://host[:port][/path] or https://host[:port][/path]");
}

BOOST_AUTO_TEST_CASE(selectors_must_name_components_of_their_kind) {
    problems found;
    auto cfg = sightline::parse_config(R"({
      "sources": [{"type": "tcp", "id": "tcp_in", "listen": "127.0.0.1:0"}],
      "processors": [{"type": "tagger", "id": "enrich"}],
      "sinks": [{"type": "null", "id": "out"}],
      "alerts": {"rules": [
        {"name": "A", "expr": "error_rate", "stage": "enrih", "above": 0},
        {"name": "B", "expr": "error_rate", "sink": "tcp_in", "above": 0},
        {"name": "C", "expr": "paused_ratio", "source": "tcp_in", "above": 0},
        {"name": "D", "expr": "error_rate", "stage": "enrich", "above": 0}]}})",
                                         found);
    BOOST_TEST(found.empty());
    BOOST_TEST(sightline::validate(cfg).items() ==
                   (strings{"alerts.rules[0].stage: unknown stage \"enrih\"", "alerts.rules[1].sink: unknown sink \"tcp_in\""}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()
