#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sightline/core/line_batch.hpp"
#include "sightline/core/param_schema.hpp"
#include "sightline/core/problems.hpp"
#include "sightline/core/tag_table.hpp"
#include "sightline/pipeline/batch_runner.hpp"
#include "sightline/processors/processor.hpp"
#include "sightline/processors/registry.hpp"
#include "../support/processor_harness.hpp"

namespace json = boost::json;
using sightline::batch_result;
using sightline::batch_runner;
using sightline::drop_reason;
using sightline::line_batch;
using sightline::line_context;
using sightline::processor;
using sightline::tag_id;

namespace {
using namespace processor_testing;

using strings = std::vector<std::string>;

/// Throws on lines containing 'x', emits the others.
class throws_on_x final : public processor {
public:
    void process(line_context& line) override {
        if (line.text().find('x') != std::string_view::npos)
            throw std::runtime_error("bad line: " + std::string(line.text()));
        line.emit();
    }
};

bool starts_with(const std::string& s, std::string_view prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace

BOOST_AUTO_TEST_SUITE(processors_tests)

BOOST_AUTO_TEST_CASE(registry_lists_every_processor_type_in_order) {
    strings names;
    for (const auto& d : sightline::processor_types()) names.push_back(d.schema.type);
    BOOST_TEST(names == (strings{"line_counter", "uppercase", "lowercase", "filter", "tagger", "tag_router", "replace",
                                 "sample", "fault", "parse_syslog", "parse_json", "parse_logfmt", "parse_regex",
                                 "set", "remove", "rename"}),
               boost::test_tools::per_element());
    BOOST_TEST(sightline::find_processor_type("uppercas") == nullptr);
    BOOST_TEST(sightline::to_string(drop_reason::no_output) == "no_output");
}

BOOST_AUTO_TEST_CASE(line_counter_default_format_numbers_lines) {
    harness h;
    auto p = h.make_ok("line_counter");
    auto r = run(*p, make_batch({"alpha", "beta", ""}));
    BOOST_TEST(texts(r) == (strings{"Line 1: alpha", "Line 2: beta", "Line 3: "}), boost::test_tools::per_element());
    BOOST_TEST(r.lines_out == 3u);
}

BOOST_AUTO_TEST_CASE(line_counter_keeps_counting_across_batches) {
    harness h;
    auto p = h.make_ok("line_counter");
    run(*p, make_batch({"a", "b"}));
    auto r = run(*p, make_batch({"c", "d"}));
    BOOST_TEST(texts(r) == (strings{"Line 3: c", "Line 4: d"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(line_counter_custom_format_with_tag_and_literal_braces) {
    harness h;
    auto p = h.make_ok("line_counter", R"({"format": "[{tag}] #{count} {line} {unknown} {"})");
    line_batch in;
    in.append("x", h.tags.intern("error"));
    in.append("y");
    auto r = run(*p, in);
    BOOST_TEST(texts(r) == (strings{"[error] #1 x {unknown} {", "[] #2 y {unknown} {"}), boost::test_tools::per_element());
    BOOST_TEST(h.tag_names(r) == (strings{"error", ""}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(line_counter_format_without_placeholders_is_literal) {
    harness h;
    auto p = h.make_ok("line_counter", R"({"format": "{count}{count}-{line}{line}"})");
    auto r = run(*p, make_batch({"ab"}));
    BOOST_TEST(texts(r) == (strings{"11-abab"}), boost::test_tools::per_element());
    auto q = h.make_ok("line_counter", R"({"format": "constant"})");
    auto r2 = run(*q, make_batch({"ab", "cd"}));
    BOOST_TEST(texts(r2) == (strings{"constant", "constant"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(uppercase_changes_ascii_only) {
    harness h;
    auto p = h.make_ok("uppercase");
    const std::string in_text = "Hello, w\xc3\xb6" "rld! abc-XYZ \xe0\xff\x80 z{}";
    auto r = run(*p, make_batch({in_text, "", "123"}));
    BOOST_TEST(texts(r) == (strings{"HELLO, W\xc3\xb6" "RLD! ABC-XYZ \xe0\xff\x80 Z{}", "", "123"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(lowercase_changes_ascii_only) {
    harness h;
    auto p = h.make_ok("lowercase");
    auto r = run(*p, make_batch({"MiXeD \xc3\x96" "BER 123 @[]", "\xc3\x80\xc3\x9f"}));
    BOOST_TEST(texts(r) == (strings{"mixed \xc3\x96" "ber 123 @[]", "\xc3\x80\xc3\x9f"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(filter_keeps_lines_containing_the_substring) {
    harness h;
    auto p = h.make_ok("filter", R"({"pattern": "err"})");
    auto r = run(*p, make_batch({"error: disk", "all good", "ERR upper", "terrible"}));
    BOOST_TEST(texts(r) == (strings{"error: disk", "terrible"}), boost::test_tools::per_element());
    BOOST_TEST(r.lines_out == 2u);
    BOOST_TEST(dropped(r, drop_reason::filtered) == 2u);
    BOOST_TEST(r.dropped_total() == 2u);
}

BOOST_AUTO_TEST_CASE(filter_ignore_case_matches_the_pattern_literally) {
    harness h;
    auto p = h.make_ok("filter", R"({"pattern": "a.b", "ignore_case": true})");
    auto r = run(*p, make_batch({"xA.By", "axb", "A.b"}));
    BOOST_TEST(texts(r) == (strings{"xA.By", "A.b"}), boost::test_tools::per_element());
    BOOST_TEST(dropped(r, drop_reason::filtered) == 1u);
}

BOOST_AUTO_TEST_CASE(filter_regex_and_regex_ignore_case) {
    harness h;
    auto p = h.make_ok("filter", R"({"pattern": "^\\d+ ok$", "regex": true})");
    auto r = run(*p, make_batch({"12 ok", "12 ok!", "ok", "7 ok"}));
    BOOST_TEST(texts(r) == (strings{"12 ok", "7 ok"}), boost::test_tools::per_element());
    BOOST_TEST(dropped(r, drop_reason::filtered) == 2u);

    auto q = h.make_ok("filter", R"({"pattern": "^warn", "regex": true, "ignore_case": true})");
    auto r2 = run(*q, make_batch({"WARN a", "warning", "a warn"}));
    BOOST_TEST(texts(r2) == (strings{"WARN a", "warning"}), boost::test_tools::per_element());
    BOOST_TEST(dropped(r2, drop_reason::filtered) == 1u);
}

BOOST_AUTO_TEST_CASE(filter_invert_keeps_lines_that_do_not_match) {
    harness h;
    auto p = h.make_ok("filter", R"({"pattern": "debug", "invert": true})");
    auto r = run(*p, make_batch({"debug x", "info y", "DEBUG z", "a debug"}));
    BOOST_TEST(texts(r) == (strings{"info y", "DEBUG z"}), boost::test_tools::per_element());
    BOOST_TEST(dropped(r, drop_reason::filtered) == 2u);
    BOOST_TEST(dropped(r, drop_reason::sampled) == 0u);
}

BOOST_AUTO_TEST_CASE(filter_ignore_case_with_regex_characters_is_not_a_regex_error) {
    harness h;
    auto p = h.make_ok("filter", R"({"pattern": "(", "ignore_case": true})");
    auto r = run(*p, make_batch({"a(b", "ab"}));
    BOOST_TEST(texts(r) == (strings{"a(b"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(tagger_tags_by_log_level_and_keeps_the_text) {
    harness h;
    auto p = h.make_ok("tagger");
    const strings lines = {"ERROR disk failed", "ERR x",        "FATAL x",  "CRITICAL x",
                           "WARN x",            "WARNING x",    "INFO x",   "DEBUG x",
                           "TRACE x",           "ts=1 level=error msg=x", "nothing to see", "no error found"};
    auto in = make_batch(lines);
    auto r = run(*p, in);
    BOOST_TEST(texts(r) == lines, boost::test_tools::per_element());
    BOOST_TEST(h.tag_names(r) == (strings{"error", "error", "error", "error", "warn", "warn", "info", "debug", "debug",
                                          "error", "untagged", "untagged"}),
               boost::test_tools::per_element());
    BOOST_TEST(r.ports[0].bytes.get() == in.bytes.get());  // text unchanged: buffer shared
}

BOOST_AUTO_TEST_CASE(tagger_custom_default_tag_and_level_detection_off) {
    harness h;
    auto p = h.make_ok("tagger", R"({"default_tag": "other"})");
    auto r = run(*p, make_batch({"plain", "WARN w"}));
    BOOST_TEST(h.tag_names(r) == (strings{"other", "warn"}), boost::test_tools::per_element());

    auto q = h.make_ok("tagger", R"({"detect_levels": false})");
    auto r2 = run(*q, make_batch({"ERROR e", "plain"}));
    BOOST_TEST(h.tag_names(r2) == (strings{"untagged", "untagged"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(tagger_custom_rules_win_and_the_first_matching_rule_wins) {
    harness h;
    auto p = h.make_ok("tagger", R"({"rules": [
        {"pattern": "disk", "tag": "storage"},
        {"pattern": "DISK FULL", "tag": "urgent"},
        {"pattern": "^user=\\w+$", "tag": "user", "regex": true},
        {"pattern": "TIMEOUT", "tag": "net", "ignore_case": true}]})");
    auto r = run(*p, make_batch({"ERROR disk failed", "DISK FULL ERROR", "ERROR disk DISK FULL", "user=bob",
                                 "user=bob smith", "request timeout", "WARN nothing", "quiet"}));
    BOOST_TEST(h.tag_names(r) ==
                   (strings{"storage", "urgent", "storage", "user", "untagged", "net", "warn", "untagged"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(tagger_reports_every_bad_rule) {
    harness h;
    auto p = h.make("tagger", R"({"rules": [
        {"tag": "x"},
        {"pattern": "(", "tag": "y", "regex": true},
        {"pattern": "a", "tag": "z", "colour": 1},
        {"pattern": "ok", "tag": "fine"}]})",
                    "processors[2]");
    BOOST_TEST(p == nullptr);
    BOOST_TEST_REQUIRE(h.found.size() == 3u);
    BOOST_TEST(h.found.items()[0] == "processors[2].rules[0].pattern: required string is missing");
    BOOST_TEST(starts_with(h.found.items()[1], "processors[2].rules[1].pattern: invalid regex: "));
    BOOST_TEST(h.found.items()[2] ==
               "processors[2].rules[2].colour: unknown key (expected one of: pattern, tag, regex, ignore_case)");
}

BOOST_AUTO_TEST_CASE(tag_router_routes_by_tag_and_sends_the_rest_to_default) {
    harness h;
    h.ports = {{{"routes", "error"}, 0}, {{"routes", "warn"}, 1}, {{"default", ""}, 2}};
    auto p = h.make_ok("tag_router", R"({"routes": {"error": "e", "warn": "w"}, "default": "d"})");
    BOOST_TEST(h.port_queries == (strings{"routes/error", "routes/warn", "default/"}), boost::test_tools::per_element());
    line_batch in;
    in.append("e1", h.tags.intern("error"));
    in.append("w1", h.tags.intern("warn"));
    in.append("i1", h.tags.intern("info"));
    in.append("u1");
    in.append("e2", h.tags.intern("error"));
    auto r = run(*p, in, 3);
    BOOST_TEST(texts(r, 0) == (strings{"e1", "e2"}), boost::test_tools::per_element());
    BOOST_TEST(texts(r, 1) == (strings{"w1"}), boost::test_tools::per_element());
    BOOST_TEST(texts(r, 2) == (strings{"i1", "u1"}), boost::test_tools::per_element());
    BOOST_TEST(h.tag_names(r, 0) == (strings{"error", "error"}), boost::test_tools::per_element());
    BOOST_TEST(h.tag_names(r, 2) == (strings{"info", ""}), boost::test_tools::per_element());
    BOOST_TEST(r.lines_out == 5u);
    BOOST_TEST(r.dropped_total() == 0u);
}

BOOST_AUTO_TEST_CASE(tag_router_without_default_drops_unrouted_lines_as_no_route) {
    harness h;
    h.ports = {{{"routes", "error"}, 1}};
    auto p = h.make_ok("tag_router", R"({"routes": {"error": "e"}})");
    line_batch in;
    in.append("i1", h.tags.intern("info"));
    in.append("e1", h.tags.intern("error"));
    in.append("u1");
    auto r = run(*p, in, 2);
    BOOST_TEST(texts(r, 1) == (strings{"e1"}), boost::test_tools::per_element());
    BOOST_TEST(r.ports[0].bytes == nullptr);
    BOOST_TEST(r.ports[0].lines.empty());
    BOOST_TEST(dropped(r, drop_reason::no_route) == 2u);
    BOOST_TEST(r.lines_out == 1u);
}

BOOST_AUTO_TEST_CASE(tag_router_needs_a_route_or_a_default) {
    harness h;
    auto p = h.make("tag_router", "{}", "processors[4]");
    BOOST_TEST(p == nullptr);
    BOOST_TEST(h.found.items() == (strings{"processors[4].routes: a tag_router needs at least one route or a default"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(tag_router_with_an_unresolved_edge_is_not_built) {
    harness h;  // no ports known: the graph has already reported the bad edge
    auto p = h.make("tag_router", R"({"routes": {"error": "erors"}})");
    BOOST_TEST(p == nullptr);
    BOOST_TEST(h.found.empty());
    BOOST_TEST(h.port_queries == (strings{"routes/error"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(replace_substitutes_groups_and_leaves_other_lines_alone) {
    harness h;
    auto p = h.make_ok("replace", R"json({"pattern": "user=(\\w+)", "replacement": "user=<$1>"})json");
    auto r = run(*p, make_batch({"login user=bob ok", "no match here", "user=a user=b"}));
    BOOST_TEST(texts(r) == (strings{"login user=<bob> ok", "no match here", "user=<a> user=<b>"}),
               boost::test_tools::per_element());
    BOOST_TEST(r.lines_out == 3u);
}

BOOST_AUTO_TEST_CASE(replace_whole_match_ignore_case_and_default_empty_replacement) {
    harness h;
    auto p = h.make_ok("replace", R"({"pattern": "\\d+", "replacement": "[$&]"})");
    BOOST_TEST(texts(run(*p, make_batch({"a1b22"}))) == (strings{"a[1]b[22]"}), boost::test_tools::per_element());
    auto q = h.make_ok("replace", R"({"pattern": "secret", "replacement": "***", "ignore_case": true})");
    BOOST_TEST(texts(run(*q, make_batch({"pw SeCrEt!"}))) == (strings{"pw ***!"}), boost::test_tools::per_element());
    auto e = h.make_ok("replace", R"({"pattern": " +"})");
    BOOST_TEST(texts(run(*e, make_batch({"a  b c"}))) == (strings{"abc"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(replace_without_any_match_keeps_sharing_the_input_buffer) {
    harness h;
    auto p = h.make_ok("replace", R"({"pattern": "zzz", "replacement": "y"})");
    auto in = make_batch({"abc", "def"});
    auto r = run(*p, in);
    BOOST_TEST(texts(r) == (strings{"abc", "def"}), boost::test_tools::per_element());
    BOOST_TEST(r.ports[0].bytes.get() == in.bytes.get());
}

BOOST_AUTO_TEST_CASE(sample_every_three_keeps_lines_one_four_seven) {
    harness h;
    auto p = h.make_ok("sample", R"({"every": 3})");
    auto r = run(*p, make_batch({"1", "2", "3", "4", "5", "6", "7"}));
    BOOST_TEST(texts(r) == (strings{"1", "4", "7"}), boost::test_tools::per_element());
    BOOST_TEST(dropped(r, drop_reason::sampled) == 4u);
    BOOST_TEST(r.dropped_total() == 4u);
    // The count goes on across batches: the 10th line is kept.
    auto r2 = run(*p, make_batch({"8", "9", "10", "11"}));
    BOOST_TEST(texts(r2) == (strings{"10"}), boost::test_tools::per_element());
    BOOST_TEST(dropped(r2, drop_reason::sampled) == 3u);
}

BOOST_AUTO_TEST_CASE(sample_default_keeps_one_in_ten) {
    harness h;
    auto p = h.make_ok("sample");
    strings lines;
    for (int i = 1; i <= 21; ++i) lines.push_back(std::to_string(i));
    auto r = run(*p, make_batch(lines));
    BOOST_TEST(texts(r) == (strings{"1", "11", "21"}), boost::test_tools::per_element());
    BOOST_TEST(dropped(r, drop_reason::sampled) == 18u);
}

BOOST_AUTO_TEST_CASE(fault_fails_matching_lines_with_message_and_error_type) {
    harness h;
    auto p = h.make_ok("fault", R"({"pattern": "boom", "message": "kaput", "error_type": "io"})");
    auto r = run(*p, make_batch({"ok", "boom 1", "fine", "boom 2"}));
    BOOST_TEST(texts(r) == (strings{"ok", "fine"}), boost::test_tools::per_element());
    BOOST_TEST(failures(r) == (strings{"boom 1|kaput|io", "boom 2|kaput|io"}), boost::test_tools::per_element());
    BOOST_TEST(r.errors == 2u);
    BOOST_TEST(r.lines_out == 2u);
    // Without transient_failures it always fails, batch after batch.
    auto r2 = run(*p, make_batch({"boom 1"}));
    BOOST_TEST(failures(r2) == (strings{"boom 1|kaput|io"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(fault_that_throws_fails_only_its_lines_as_exceptions) {
    harness h;
    auto p = h.make_ok("fault", R"({"pattern": "boom", "message": "bug", "throw": true})");
    auto r = run(*p, make_batch({"ok", "boom 1", "fine", "boom 2"}));
    BOOST_TEST(texts(r) == (strings{"ok", "fine"}), boost::test_tools::per_element());
    BOOST_TEST(failures(r) == (strings{"boom 1|bug|exception", "boom 2|bug|exception"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(fault_defaults_and_regex_pattern) {
    harness h;
    auto p = h.make_ok("fault", R"({"pattern": "^b\\d$", "regex": true})");
    auto r = run(*p, make_batch({"b1", "b12", "ab1"}));
    BOOST_TEST(failures(r) == (strings{"b1|injected fault|fault"}), boost::test_tools::per_element());
    BOOST_TEST(texts(r) == (strings{"b12", "ab1"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(fault_transient_failures_fail_the_same_line_twice_then_pass) {
    harness h;
    auto p = h.make_ok("fault", R"({"pattern": "boom", "transient_failures": 2})");
    auto in = make_batch({"boom x"});
    auto r1 = run(*p, in);
    BOOST_TEST(failures(r1) == (strings{"boom x|injected fault|fault"}), boost::test_tools::per_element());
    auto r2 = run(*p, in);
    BOOST_TEST(r2.errors == 1u);
    BOOST_TEST(r2.lines_out == 0u);
    auto r3 = run(*p, in);
    BOOST_TEST(r3.errors == 0u);
    BOOST_TEST(texts(r3) == (strings{"boom x"}), boost::test_tools::per_element());
    // Having passed, the line starts over.
    auto r4 = run(*p, in);
    BOOST_TEST(r4.errors == 1u);
}

BOOST_AUTO_TEST_CASE(fault_transient_failures_count_each_distinct_line_separately) {
    harness h;
    auto p = h.make_ok("fault", R"({"pattern": "boom", "transient_failures": 2})");
    auto r = run(*p, make_batch({"boom a", "boom b", "boom a", "calm", "boom a", "boom b", "boom b"}));
    BOOST_TEST(texts(r) == (strings{"calm", "boom a", "boom b"}), boost::test_tools::per_element());
    BOOST_TEST(failures(r) == (strings{"boom a|injected fault|fault", "boom b|injected fault|fault",
                                       "boom a|injected fault|fault", "boom b|injected fault|fault"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(throwing_processor_turns_those_lines_into_exception_failures) {
    throws_on_x p;
    auto in = make_batch({"a", "x1", "b", "yx", "c"});
    auto r = run(p, in);
    BOOST_TEST(texts(r) == (strings{"a", "b", "c"}), boost::test_tools::per_element());
    BOOST_TEST(failures(r) == (strings{"x1|bad line: x1|exception", "yx|bad line: yx|exception"}),
               boost::test_tools::per_element());
    BOOST_TEST(r.errors == 2u);
    BOOST_TEST(r.lines_out == 3u);
    BOOST_TEST(r.dropped_total() == 0u);
}

BOOST_AUTO_TEST_CASE(invalid_regex_is_reported_at_the_pattern_path) {
    harness h;
    auto p = h.make("filter", R"({"pattern": "([a-z", "regex": true})", "processors[3]");
    BOOST_TEST(p == nullptr);
    BOOST_TEST_REQUIRE(h.found.size() == 1u);
    BOOST_TEST(starts_with(h.found.items()[0], "processors[3].pattern: invalid regex"));

    harness h2;
    BOOST_TEST(h2.make("replace", R"({"pattern": "a{2,1}"})", "processors[1]") == nullptr);
    BOOST_TEST_REQUIRE(h2.found.size() == 1u);
    BOOST_TEST(starts_with(h2.found.items()[0], "processors[1].pattern: invalid regex"));

    harness h3;
    BOOST_TEST(h3.make("fault", R"({"pattern": "*", "regex": true})", "p") == nullptr);
    BOOST_TEST_REQUIRE(h3.found.size() == 1u);
    BOOST_TEST(starts_with(h3.found.items()[0], "p.pattern: invalid regex"));
}

BOOST_AUTO_TEST_SUITE_END()
