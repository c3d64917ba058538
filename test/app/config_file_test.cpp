#include "sightline/app/config_file.hpp"

#include "sightline/app/component_registry.hpp"
#include "sightline/app/pipeline.hpp"
#include "../support/test_support.hpp"

#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace json = boost::json;
using sightline::config_error;
using sightline::parse_config;
using sightline::pipeline_config;
using sightline::problems;

namespace {

using strings = std::vector<std::string>;

const std::string known_processors =
    "line_counter, uppercase, lowercase, filter, tagger, tag_router, replace, sample, fault, parse_syslog, parse_json, "
    "parse_logfmt, parse_regex, set, remove, rename";
const std::string top_level_keys = "sources, processors, sinks, dead_letter, http, trace, errors, alerts, health, log";

/// Problems found parsing `text`.
strings problems_of(std::string_view text) {
    problems found;
    parse_config(text, found);
    return found.items();
}

/// Ids of a component list, in order.
template <class List>
strings ids_of(const List& list) {
    strings ids;
    for (const auto& c : list) ids.push_back(c.id);
    return ids;
}

using sightline::test::temp_dir;

}  // namespace

BOOST_AUTO_TEST_SUITE(config_tests)

BOOST_AUTO_TEST_CASE(invalid_json_reports_line_and_column) {
    BOOST_TEST(problems_of("{\n  \"processors\": [\n    {\"type\": \"uppercase\",}\n  ]\n}") ==
                   (strings{"invalid JSON at line 3, column 26: syntax error"}),
               boost::test_tools::per_element());
    BOOST_TEST(problems_of("{} x") == (strings{"invalid JSON at line 1, column 4: extra data"}),
               boost::test_tools::per_element());
    BOOST_TEST(problems_of("") == (strings{"invalid JSON at line 1, column 1: incomplete JSON"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(top_level_value_must_be_an_object) {
    BOOST_TEST(problems_of("[1, 2]") == (strings{"the configuration must be a JSON object, got array"}),
               boost::test_tools::per_element());
}

// Found by the config fuzzer (test/fuzz/regressions/config/crash-38d880c1-*): an integer
// beyond int64 passed validation, then threw while being read (exit 1, no path named).
BOOST_AUTO_TEST_CASE(integer_beyond_int64_is_a_problem_with_its_path_not_a_crash) {
    BOOST_TEST(problems_of(R"({"processors": [{"type": "fault", "pattern": "x", "circuit": {"window_ms": 12923372036854775807}},
                                              {"type": "sample", "every": 18446744073709551615}]})") ==
                   (strings{"processors[0].circuit.window_ms: must be at most 604800000",
                            "processors[1].every: must be at most 1000000000"}),
               boost::test_tools::per_element());
}

// Also from the fuzzer's duration check: a cooldown of 9e15 ms overflowed the breaker's
// deadline (nanoseconds), so an open circuit let batches through at once.
BOOST_AUTO_TEST_CASE(durations_longer_than_a_week_are_refused) {
    BOOST_TEST(problems_of(R"({"processors": [{"type": "fault", "pattern": "x", "circuit": {"cooldown_ms": 9000000000000000}}],
                               "http": {"request_timeout_ms": 604800001}})") ==
                   (strings{"processors[0].circuit.cooldown_ms: must be at most 604800000",
                            "http.request_timeout_ms: must be at most 604800000"}),
               boost::test_tools::per_element());
}

// Every integer the code holds has a bound it can hold (issue 18): a write buffer
// allocated up front, ring sizes, a resend timer whose nanoseconds would wrap to 0.
BOOST_AUTO_TEST_CASE(integers_past_what_the_code_can_hold_are_refused) {
    BOOST_TEST(problems_of(R"({"sinks": [{"type": "file", "path": "x", "buffer_bytes": 1099511627776}],
                               "trace": {"capacity": 1000000000},
                               "alerts": {"alertmanager": {"url": "http://127.0.0.1:9093", "resend_interval_ms": 17592186044416}}})") ==
                   (strings{"sinks[0].buffer_bytes: must be at most 268435456",
                            "trace.capacity: must be at most 1000000",
                            "alerts.alertmanager.resend_interval_ms: must be at most 604800000"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(unknown_top_level_key_lists_the_known_ones) {
    BOOST_TEST(problems_of(R"({"processor": [], "processors": []})") ==
                   (strings{"processor: unknown key (expected one of: " + top_level_keys + ")"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(unknown_processor_type_lists_the_known_types) {
    problems found;
    auto cfg = parse_config(R"({"processors": [{"type": "tagger"}, {"type": "uppercas"}]})", found);
    BOOST_TEST(found.items() ==
                   (strings{"processors[1].type: unknown processor type \"uppercas\" (known: " + known_processors + ")"}),
               boost::test_tools::per_element());
    // The unknown one stays in the list (so edges to it resolve) but is marked invalid.
    BOOST_TEST(ids_of(cfg.processors) == (strings{"tagger", "uppercas"}), boost::test_tools::per_element());
    BOOST_TEST_REQUIRE(cfg.processors.size() == 2u);
    BOOST_TEST(cfg.processors[0].valid == true);
    BOOST_TEST(cfg.processors[1].valid == false);
}

BOOST_AUTO_TEST_CASE(components_with_problems_are_kept_and_marked_invalid) {
    problems found;
    auto cfg = parse_config(R"({"processors": [{"type": "sample", "every": 0}, {"type": "uppercase", "id": ""},
                                               {"type": "uppercase", "id": "u2"}],
                                "sinks": [{"type": "file"}]})",
                            found);
    BOOST_TEST(found.items() == (strings{"processors[0].every: must be at least 1",
                                         "processors[1].id: expected a non-empty string",
                                         "sinks[0].path: required string is missing"}),
               boost::test_tools::per_element());
    BOOST_TEST_REQUIRE(cfg.processors.size() == 3u);
    BOOST_TEST(cfg.processors[0].valid == false);
    BOOST_TEST(cfg.processors[1].valid == false);
    BOOST_TEST(cfg.processors[2].valid == true);
    BOOST_TEST_REQUIRE(cfg.sinks.size() == 1u);
    BOOST_TEST(cfg.sinks[0].valid == false);
    BOOST_TEST(ids_of(cfg.processors) == (strings{"sample", "uppercase", "u2"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(unknown_source_and_sink_types_list_their_known_types) {
    BOOST_TEST(problems_of(R"({"sources": [{"type": "kafka"}], "sinks": [{"type": "s3"}]})") ==
                   (strings{"sources[0].type: unknown source type \"kafka\" (known: tcp, udp, file, nats, dead_letter)",
                            "sinks[0].type: unknown sink type \"s3\" (known: file, stdout, null, tcp, http, nats)"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(missing_or_non_string_type_is_reported) {
    BOOST_TEST(problems_of(R"({"processors": [{"id": "a"}, {"type": 3}, "uppercase"]})") ==
                   (strings{"processors[0].type: required string is missing", "processors[1].type: expected string, got integer",
                            "processors[2]: expected object, got string"}),
               boost::test_tools::per_element());
    BOOST_TEST(problems_of(R"({"processors": {"type": "uppercase"}})") == (strings{"processors: expected array, got object"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(duplicate_id_names_both_places) {
    BOOST_TEST(problems_of(R"({"processors": [{"type": "uppercase", "id": "x"}, {"type": "lowercase", "id": "x"}]})") ==
                   (strings{"processors[1].id: duplicate id \"x\" (also at processors[0])"}),
               boost::test_tools::per_element());
    BOOST_TEST(problems_of(R"({"sources": [{"type": "file", "path": "a", "id": "x"}],
                               "sinks": [{"type": "null", "id": "x"}]})") ==
                   (strings{"sinks[0].id: duplicate id \"x\" (also at sources[0])"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(dead_letter_id_is_reserved) {
    BOOST_TEST(problems_of(R"({"sinks": [{"type": "null", "id": "dead_letter"}]})") ==
                   (strings{"sinks[0].id: \"dead_letter\" is reserved for the dead-letter sink"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(id_must_be_a_non_empty_string) {
    problems found;
    auto cfg = parse_config(R"({"processors": [{"type": "uppercase", "id": ""}, {"type": "lowercase", "id": 7}]})", found);
    BOOST_TEST(found.items() ==
                   (strings{"processors[0].id: expected a non-empty string", "processors[1].id: expected a non-empty string"}),
               boost::test_tools::per_element());
    BOOST_TEST(ids_of(cfg.processors) == (strings{"uppercase", "lowercase"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(unknown_key_in_a_component_lists_its_keys) {
    BOOST_TEST(problems_of(R"({"processors": [{"type": "filter", "pattern": "a", "patern": "b"}]})") ==
                   (strings{"processors[0].patern: unknown key (expected one of: type, id, next, retry, circuit, "
                            "pattern, regex, ignore_case, invert, field, equals, matches, exists, above, below)"}),
               boost::test_tools::per_element());
    // Routers name their edges in routes/default and sinks end the graph: no `next`.
    BOOST_TEST(problems_of(R"({"processors": [{"type": "tag_router", "default": "out", "next": "out"}],
                               "sinks": [{"type": "null", "id": "out", "next": "x"}]})") ==
                   (strings{"processors[0].next: unknown key (expected one of: type, id, retry, circuit, routes, default, field)",
                            "sinks[0].next: unknown key (expected one of: type, id, format, template, include, buffer)"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(wrong_value_type_is_reported_at_its_path) {
    BOOST_TEST(problems_of(R"({"processors": [{"type": "sample", "every": "3"}]})") ==
                   (strings{"processors[0].every: expected integer, got string"}),
               boost::test_tools::per_element());
    BOOST_TEST(problems_of(R"({"processors": [{"type": "uppercase", "next": 5}]})") ==
                   (strings{"processors[0].next: expected array of strings, got integer"}),
               boost::test_tools::per_element());
    BOOST_TEST(problems_of(R"({"processors": [{"type": "uppercase", "next": ["a", 1]}]})") ==
                   (strings{"processors[0].next: expected array of strings, got array"}),
               boost::test_tools::per_element());
    BOOST_TEST(problems_of(R"({"http": [], "alerts": 3})") ==
                   (strings{"http: expected object, got array", "alerts: expected object, got integer"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(ids_are_generated_from_the_type_when_absent) {
    problems found;
    auto cfg = parse_config(R"({"processors": [{"type": "tagger"}, {"type": "tagger"}, {"type": "uppercase"},
                                               {"type": "tagger"}]})",
                            found);
    BOOST_TEST(found.empty());
    BOOST_TEST(ids_of(cfg.processors) == (strings{"tagger", "tagger_2", "uppercase", "tagger_3"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(generated_ids_avoid_ids_given_anywhere) {
    problems found;
    auto cfg = parse_config(R"({"sources": [{"type": "file", "path": "in.log"}],
                                "processors": [{"type": "tagger"}, {"type": "uppercase", "id": "tagger"}],
                                "sinks": [{"type": "file", "path": "out.log"}]})",
                            found);
    BOOST_TEST(found.empty());
    BOOST_TEST(ids_of(cfg.sources) == (strings{"file"}), boost::test_tools::per_element());
    BOOST_TEST(ids_of(cfg.processors) == (strings{"tagger_2", "tagger"}), boost::test_tools::per_element());
    BOOST_TEST(ids_of(cfg.sinks) == (strings{"file_2"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(reports_every_problem_in_one_pass) {
    auto found = problems_of(R"({
        "sources": [{"type": "file"}],
        "processors": [
            {"type": "tagger", "id": "t"},
            {"type": "uppercas"},
            {"type": "sample", "every": 0},
            {"type": "filter", "id": "t", "pattern": 3}
        ],
        "sinks": [{"type": "stdout", "buffer": 1}],
        "http": {"push_interval_ms": 10},
        "log": {"level": "loud"},
        "verbose": true
    })");
    const strings expected = {
        "verbose: unknown key (expected one of: " + top_level_keys + ")",
        "sources[0].path: required string is missing",
        "processors[1].type: unknown processor type \"uppercas\" (known: " + known_processors + ")",
        "processors[2].every: must be at least 1",
        "processors[3].pattern: expected string, got integer",
        "sinks[0].buffer: expected object, got integer",
        "processors[3].id: duplicate id \"t\" (also at processors[0])",
        "http.push_interval_ms: must be at least 100",
        "log.level: must be one of \"trace\", \"debug\", \"info\", \"warn\", \"error\", got \"loud\"",
    };
    BOOST_TEST(found.size() == 9u);
    BOOST_TEST(found == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(simple_processors_only_form_is_valid) {
    problems found;
    auto cfg = parse_config(R"({"processors": [{"type": "tagger"}, {"type": "uppercase"}]})", found);
    BOOST_TEST(found.empty());
    BOOST_TEST(cfg.sources.empty());
    BOOST_TEST(cfg.sinks.empty());
    BOOST_TEST_REQUIRE(cfg.processors.size() == 2u);
    const auto& t = cfg.processors[0];
    BOOST_TEST(t.kind == "processor");
    BOOST_TEST(t.type == "tagger");
    BOOST_TEST(t.id == "tagger");
    BOOST_TEST(t.path == "processors[0]");
    BOOST_TEST(!t.next.has_value());
    BOOST_TEST(t.given.empty());
    BOOST_TEST(json::serialize(t.params) == R"({"default_tag":"untagged","rules":[],"detect_levels":true})");
    BOOST_TEST(cfg.processors[1].path == "processors[1]");
    // Every section keeps its defaults.
    BOOST_TEST(cfg.http.enabled == true);
    BOOST_TEST(cfg.http.listen == "127.0.0.1:8000");
    BOOST_TEST(cfg.http.token == "");
    BOOST_TEST(cfg.http.allowed_origins.empty());
    BOOST_TEST(cfg.http.push_interval_ms == 1000);
    BOOST_TEST(cfg.trace.enabled == false);
    BOOST_TEST(cfg.trace.sample == 1.0);
    BOOST_TEST(cfg.trace.capacity == 1000);
    BOOST_TEST(cfg.errors_capacity == 1000);
    BOOST_TEST(cfg.log.level == "info");
    BOOST_TEST(cfg.log.format == "");
    BOOST_TEST(!cfg.dead_letter_path.has_value());
    BOOST_TEST(cfg.alerts.built_in_rules);
    BOOST_TEST(!cfg.alerts.alertmanager.has_value());
    BOOST_TEST(cfg.alerts.webhooks.empty());
}

BOOST_AUTO_TEST_CASE(sections_are_read_into_the_config) {
    problems found;
    auto cfg = parse_config(R"({
        "http": {"enabled": false, "listen": "0.0.0.0:9000", "token": "s3cret", "allowed_origins": ["https://a"],
                 "push_interval_ms": 250},
        "trace": {"enabled": true, "sample": 0.25, "capacity": 5},
        "errors": {"capacity": 7},
        "log": {"level": "debug", "format": "json"},
        "dead_letter": {"path": "/var/log/dead.jsonl"},
        "alerts": {"rules": [{"name": "Silent", "expr": "lines_per_second", "below": 1}], "history_capacity": 9}
    })",
                            found);
    BOOST_TEST(found.empty());
    BOOST_TEST(cfg.http.enabled == false);
    BOOST_TEST(cfg.http.listen == "0.0.0.0:9000");
    BOOST_TEST(cfg.http.token == "s3cret");
    BOOST_TEST(cfg.http.allowed_origins == (strings{"https://a"}), boost::test_tools::per_element());
    BOOST_TEST(cfg.http.push_interval_ms == 250);
    BOOST_TEST(cfg.trace.enabled == true);
    BOOST_TEST(cfg.trace.sample == 0.25);
    BOOST_TEST(cfg.trace.capacity == 5);
    BOOST_TEST(cfg.errors_capacity == 7);
    BOOST_TEST(cfg.log.level == "debug");
    BOOST_TEST(cfg.log.format == "json");
    BOOST_TEST(cfg.dead_letter_path.value_or("") == "/var/log/dead.jsonl");
    BOOST_REQUIRE_EQUAL(cfg.alerts.rules.size(), 1u);
    BOOST_TEST(cfg.alerts.rules[0].name == "Silent");
    BOOST_TEST(cfg.alerts.history_capacity == 9);
}

BOOST_AUTO_TEST_CASE(section_with_problems_keeps_its_defaults) {
    problems found;
    auto cfg = parse_config(R"({"http": {"push_interval_ms": 10, "listen": "x:1"}, "dead_letter": {}})", found);
    BOOST_TEST(found.items() == (strings{"dead_letter.path: required string is missing",
                                         "http.push_interval_ms: must be at least 100"}),
               boost::test_tools::per_element());
    BOOST_TEST(cfg.http.listen == "127.0.0.1:8000");
    BOOST_TEST(cfg.http.push_interval_ms == 1000);
}

BOOST_AUTO_TEST_CASE(next_accepts_a_string_or_an_array_and_is_kept_apart_from_params) {
    problems found;
    auto cfg = parse_config(R"({"processors": [
                                   {"type": "filter", "id": "f", "pattern": "x", "next": "s"},
                                   {"type": "sample", "id": "s", "next": ["a", "b"], "every": 2}]})",
                            found);
    BOOST_TEST(found.empty());
    BOOST_TEST_REQUIRE(cfg.processors.size() == 2u);
    BOOST_TEST_REQUIRE(cfg.processors[0].next.has_value());
    BOOST_TEST(*cfg.processors[0].next == (strings{"s"}), boost::test_tools::per_element());
    BOOST_TEST_REQUIRE(cfg.processors[1].next.has_value());
    BOOST_TEST(*cfg.processors[1].next == (strings{"a", "b"}), boost::test_tools::per_element());
    BOOST_TEST(json::serialize(cfg.processors[0].given) == R"({"pattern":"x"})");
    BOOST_TEST(json::serialize(cfg.processors[0].params) ==
               R"({"pattern":"x","regex":false,"ignore_case":false,"invert":false})");
    BOOST_TEST(json::serialize(cfg.processors[1].params) == R"({"every":2})");
}

BOOST_AUTO_TEST_CASE(load_config_file_on_a_missing_file_names_the_path) {
    temp_dir dir;
    const std::string path = (dir.path / "absent" / "sightline.json").string();
    problems found;
    auto cfg = sightline::load_config_file(path, found);
    BOOST_TEST(found.items() == (strings{path + ": cannot read config file"}), boost::test_tools::per_element());
    BOOST_TEST(cfg.processors.empty());
    BOOST_TEST(cfg.sources.empty());
    // config_error lists the problems one per line; here the one naming the path.
    config_error e(found);
    BOOST_TEST(std::string(e.what()) == path + ": cannot read config file");
}

BOOST_AUTO_TEST_CASE(load_config_file_reads_a_valid_file) {
    temp_dir dir;
    auto path = dir.write("ok.json", R"({"processors": [{"type": "uppercase"}], "errors": {"capacity": 3}})");
    problems found;
    auto cfg = sightline::load_config_file(path, found);
    BOOST_TEST(found.empty());
    BOOST_TEST(ids_of(cfg.processors) == (strings{"uppercase"}), boost::test_tools::per_element());
    BOOST_TEST(cfg.errors_capacity == 3);
}

BOOST_AUTO_TEST_CASE(load_config_file_reports_every_problem_and_config_error_joins_them) {
    temp_dir dir;
    auto path = dir.write("bad.json", R"({"processors": [{"type": "nope"}], "extra": 1})");
    problems found;
    sightline::load_config_file(path, found);
    const strings expected = {"extra: unknown key (expected one of: " + top_level_keys + ")",
                              "processors[0].type: unknown processor type \"nope\" (known: " + known_processors + ")"};
    BOOST_TEST(found.items() == expected, boost::test_tools::per_element());
    config_error e(found);
    BOOST_TEST(std::string(e.what()) == expected[0] + "\n" + expected[1]);
    BOOST_TEST(e.details().size() == 2u);
}

BOOST_AUTO_TEST_CASE(make_component_fills_defaults_and_names_the_command_line) {
    auto c = sightline::make_component("processor", "sample", "s", {{"every", 4}});
    BOOST_TEST(c.kind == "processor");
    BOOST_TEST(c.path == "command line (s)");
    BOOST_TEST(json::serialize(c.params) == R"({"every":4})");
    auto d = sightline::make_component("sink", "file", "out", {{"path", "o.log"}});
    BOOST_TEST(json::serialize(d.params) == R"({"path":"o.log","mkdir":false,"buffer_bytes":1048576,"flush_interval_ms":1000,"format":"raw","include":[],"buffer":{"type":"memory"}})");
    BOOST_CHECK_THROW(sightline::make_component("processor", "nope", "n", {}), std::logic_error);
    BOOST_TEST(sightline::find_component_schema("source", "udp") != nullptr);
    BOOST_TEST(sightline::find_component_schema("sink", "tcp") != nullptr);
    BOOST_TEST(sightline::find_component_schema("sink", "kafka") == nullptr);
}

BOOST_AUTO_TEST_CASE(addresses_are_checked_before_anything_runs) {
    problems found;
    auto cfg = sightline::parse_config(R"({"sources": [{"type": "tcp", "id": "t", "listen": "1.2.3.4:99999"},
                                                     {"type": "udp", "id": "u", "listen": "[::1]:5140"},
                                                     {"type": "file", "id": "f", "path": ""}],
                                          "processors": [{"type": "tagger"}],
                                          "sinks": [{"type": "file", "id": "o", "path": ""}],
                                          "http": {"listen": "localhost"}})",
                                       found);
    BOOST_TEST_REQUIRE(found.empty());  // each is schema-valid
    auto problems_found = sightline::validate(cfg);
    const strings expected = {R"(sources[0].listen: address "1.2.3.4:99999": port above 65535)",
                              R"(sources[2].path: must not be empty)", R"(sinks[0].path: must not be empty)",
                              R"(http.listen: address "localhost" is not HOST:PORT)"};
    BOOST_TEST(problems_found.items() == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()
