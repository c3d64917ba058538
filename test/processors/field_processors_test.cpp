// set, remove, rename, filter and tag_router on fields, templates reading fields, and
// what the runner does with fields: carried through rewrites, traced per step.
#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>

#include "../support/processor_harness.hpp"
#include "sightline/core/json_text.hpp"

using namespace processor_testing;
using sightline::field_keys;

namespace {

/// The lines of `json_lines` after parse_json.
line_batch parsed(harness& h, const strings& json_lines) {
    auto p = h.make_ok("parse_json");
    auto r = run(*p, make_batch(json_lines));
    BOOST_REQUIRE(r.lines_out == json_lines.size());
    return std::move(r.ports[0]);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(field_processors_tests)

BOOST_AUTO_TEST_CASE(set_renders_templates_and_copies_typed_values) {
    harness h;
    auto in = parsed(h, {R"({"host":"web1","app":"nginx","ms":812})", R"({"app":"cron"})"});
    auto p = h.make_ok("set", R"({"fields": {"origin": "{host}/{app}", "latency": "{ms}", "app": "[{app}]", "raw": "{line}"}})");
    auto r = run(*p, in);
    BOOST_TEST(fields_of(r, 0) == (strings{"host=\"web1\"", "app=\"[nginx]\"", "ms=812", "origin=\"web1/nginx\"",
                                           "latency=812", R"(raw="{\"host\":\"web1\",\"app\":\"nginx\",\"ms\":812}")"}),
               boost::test_tools::per_element());
    // A missing field renders empty; a lone placeholder of a missing field too.
    BOOST_TEST(fields_of(r, 1) == (strings{"app=\"[cron]\"", "origin=\"/cron\"", "latency=\"\"", R"(raw="{\"app\":\"cron\"}")"}),
               boost::test_tools::per_element());
    BOOST_TEST(texts(r) == (strings{R"({"host":"web1","app":"nginx","ms":812})", R"({"app":"cron"})"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(remove_and_rename) {
    harness h;
    auto in = parsed(h, {R"({"a":1,"b":2,"c":3})", R"({"b":"x"})", "{}"});
    auto rm = h.make_ok("remove", R"({"fields": ["a", "zz"]})");
    auto mv = h.make_ok("rename", R"({"fields": {"b": "beta", "c": "a"}})");
    auto r1 = run(*rm, in);
    auto r2 = run(*mv, r1.ports[0]);
    BOOST_TEST(fields_of(r2, 0) == (strings{"beta=2", "a=3"}), boost::test_tools::per_element());
    BOOST_TEST(fields_of(r2, 1) == (strings{"beta=\"x\""}), boost::test_tools::per_element());
    BOOST_TEST(fields_of(r2, 2).empty());
    BOOST_TEST(r2.lines_out == 3u);
}

BOOST_AUTO_TEST_CASE(filter_tests_a_field) {
    harness h;
    auto in = parsed(h, {R"({"level":"warn","ms":812})", R"({"level":"info","ms":"90"})", R"({"ms":true})", "{}"});
    auto count = [&](std::string_view params) {
        auto p = h.make_ok("filter", params);
        return run(*p, in).lines_out;
    };
    BOOST_TEST(count(R"({"field": "level", "equals": "warn"})") == 1u);
    BOOST_TEST(count(R"({"field": "level", "matches": "^(warn|info)$"})") == 2u);
    BOOST_TEST(count(R"({"field": "level", "exists": false})") == 2u);
    BOOST_TEST(count(R"({"field": "ms", "above": 100})") == 1u);
    BOOST_TEST(count(R"({"field": "ms", "below": 100})") == 1u);  // "90" spells a number; true does not
    BOOST_TEST(count(R"({"field": "ms", "above": 50, "below": 1000})") == 2u);
    BOOST_TEST(count(R"({"field": "ms", "equals": "812"})") == 1u);  // a number compared as its text
    BOOST_TEST(count(R"({"field": "level", "equals": "warn", "invert": true})") == 3u);
}

BOOST_AUTO_TEST_CASE(filter_needs_pattern_or_a_field_test) {
    harness h;
    BOOST_TEST(h.make("filter", "{}") == nullptr);
    BOOST_TEST(h.make("filter", R"({"field": "a"})") == nullptr);
    BOOST_TEST(h.make("filter", R"({"pattern": "a", "equals": "b"})") == nullptr);
    BOOST_TEST(h.found.items() == (strings{"processors[0].pattern: a filter needs either pattern or field, not both",
                                           "processors[0].field: needs a test: equals, matches, exists, above or below",
                                           "processors[0].pattern: equals, matches, exists, above and below test a field"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(tag_router_routes_on_a_field_value) {
    harness h;
    h.ports[{"routes", "err"}] = 0;
    h.ports[{"routes", "crit"}] = 0;
    h.ports[{"default", ""}] = 1;
    auto in = parsed(h, {R"({"severity":"err"})", R"({"severity":"info"})", R"({"severity":"crit"})", "{}"});
    auto p = h.make_ok("tag_router", R"({"field": "severity", "routes": {"err": "e", "crit": "e"}, "default": "all"})");
    auto r = run(*p, in, 2);
    BOOST_TEST(texts(r, 0) == (strings{R"({"severity":"err"})", R"({"severity":"crit"})"}), boost::test_tools::per_element());
    BOOST_TEST(texts(r, 1) == (strings{R"({"severity":"info"})", "{}"}), boost::test_tools::per_element());
    BOOST_TEST(fields_of(r, 1, 0) == (strings{"severity=\"crit\""}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(tag_router_routes_parsed_syslog_severities_and_set_can_overwrite_them) {
    // parse_syslog's severity is a literal (remembered by address in the router); a
    // `set` that overwrites it must be routed on its new text.
    harness h;
    h.ports[{"routes", "err"}] = 0;
    h.ports[{"routes", "warning"}] = 1;
    h.ports[{"default", ""}] = 2;
    auto parser = h.make_ok("parse_syslog");
    auto router = h.make_ok("tag_router", R"({"field": "severity", "routes": {"err": "e", "warning": "w"}, "default": "rest"})");
    strings lines;
    for (int k = 0; k < 48; ++k) lines.push_back("<" + std::to_string(8 + k % 8) + ">1 - h a - - - m" + std::to_string(k));
    auto parsed_lines = run(*parser, make_batch(lines)).ports[0];
    auto r = run(*router, parsed_lines, 3);
    BOOST_TEST(texts(r, 0).size() == 6u);   // <11>: user.err
    BOOST_TEST(texts(r, 1).size() == 6u);   // <12>: user.warning
    BOOST_TEST(texts(r, 2).size() == 36u);
    BOOST_TEST(texts(r, 0)[0] == "<11>1 - h a - - - m3");
    auto set = h.make_ok("set", R"({"fields": {"severity": "warning"}})");
    auto changed = run(*set, parsed_lines).ports[0];
    r = run(*router, changed, 3);
    BOOST_TEST(texts(r, 1).size() == 48u);
}

BOOST_AUTO_TEST_CASE(rewrites_keep_the_fields) {
    harness h;
    auto in = parsed(h, {R"({"user":"bob","n":1})"});
    auto counter = h.make_ok("line_counter", R"({"format": "{count}: {user} {n} {nope} {line}"})");
    auto upper = h.make_ok("uppercase");
    auto r1 = run(*counter, in);
    BOOST_TEST(texts(r1) == (strings{R"(1: bob 1 {nope} {"user":"bob","n":1})"}), boost::test_tools::per_element());
    auto r2 = run(*upper, r1.ports[0]);
    BOOST_TEST(texts(r2) == (strings{R"(1: BOB 1 {NOPE} {"USER":"BOB","N":1})"}), boost::test_tools::per_element());
    // The fields were cut from the old text; changing the text does not change them.
    BOOST_TEST(fields_of(r2) == (strings{"user=\"bob\"", "n=1"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(line_ids_survive_every_stage) {
    harness h;
    auto in = make_batch({R"({"a":1})", R"({"b":2})"});
    in.lines[0].line_id = 41;
    in.lines[1].line_id = 42;
    auto json = h.make_ok("parse_json");
    auto counter = h.make_ok("line_counter");
    auto r1 = run(*json, in);
    auto r2 = run(*counter, r1.ports[0]);
    BOOST_TEST(r2.ports[0].lines[0].line_id == 41u);
    BOOST_TEST(r2.ports[0].lines[1].line_id == 42u);
}

BOOST_AUTO_TEST_CASE(a_traced_step_records_the_fields_it_changed) {
    harness h;
    auto in = parsed(h, {R"({"a":1,"b":"x","c":true})"});
    auto record = sightline::make_trace_record();
    record->add("in", "received");
    in.traces.push_back({0, record});
    auto set = h.make_ok("set", R"({"fields": {"a": "2", "d": "{b}!"}})");
    auto rm = h.make_ok("remove", R"({"fields": ["c"]})");
    batch_runner set_runner(1, "set1"), rm_runner(1, "rm1");
    batch_result r1, r2;
    set_runner.run(*set, in, r1);
    rm_runner.run(*rm, r1.ports[0], r2);
    BOOST_REQUIRE(r2.ports[0].traces.size() == 1u);
    auto t = r2.ports[0].traces[0].record->to_json();
    const auto& path = t.at("path").as_array();
    BOOST_REQUIRE(path.size() == 3u);
    BOOST_TEST(json::serialize(path[1].at("fields_changed")) == R"({"added":{"d":"x!"},"changed":{"a":"2"}})");
    BOOST_TEST(json::serialize(path[2].at("fields_changed")) == R"({"removed":["c"]})");
    BOOST_TEST(json::serialize(path[2].at("fields")) == R"({"d":"x!","a":"2"})");
    BOOST_TEST(json::serialize(r2.ports[0].traces[0].record->final_fields()) == R"({"d":"x!","a":"2"})");
}

BOOST_AUTO_TEST_SUITE_END()
