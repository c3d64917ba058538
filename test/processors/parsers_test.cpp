// The parsers (parse_syslog, parse_json, parse_logfmt, parse_regex) field by field, and
// every on_error policy with its accounting.
#include <boost/test/unit_test.hpp>

#include "../support/processor_harness.hpp"
#include "sightline/core/json_text.hpp"

using namespace processor_testing;
using sightline::field_keys;
using sightline::field_value;

namespace {

/// Runs a parser made from `params` over one line and returns its fields.
strings parse_one(std::string_view type, std::string_view params, std::string_view line, std::int64_t received_us = 0) {
    harness h;
    auto p = h.make_ok(type, params);
    auto in = make_batch({std::string(line)});
    in.received_us = received_us;
    auto r = run(*p, in);
    BOOST_TEST_REQUIRE(r.lines_out == 1u, "the line did not parse: " << (r.failures.empty() ? "" : r.failures[0].message));
    return fields_of(r);
}

// 2026-12-01T12:00:00Z and 2027-01-02T00:00:00Z, as receive times.
constexpr std::int64_t dec_1_2026 = 1796126400LL * 1000000;
constexpr std::int64_t jan_2_2027 = 1798848000LL * 1000000;

}  // namespace

BOOST_AUTO_TEST_SUITE(parse_syslog_tests)

BOOST_AUTO_TEST_CASE(rfc5424_example_1_with_bom_and_nil_procid) {
    auto f = parse_one("parse_syslog", "{}",
                       "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \xEF\xBB\xBF'su root' failed for "
                       "lonvick on /dev/pts/8");
    BOOST_TEST(f == (strings{"facility=\"auth\"", "severity=\"crit\"", "timestamp=\"2003-10-11T22:14:15.003Z\"",
                             "host=\"mymachine.example.com\"", "app=\"su\"", "msgid=\"ID47\"",
                             "message=\"'su root' failed for lonvick on /dev/pts/8\""}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(rfc5424_example_2_with_offset_and_nil_msgid) {
    auto f = parse_one("parse_syslog", "{}",
                       "<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.");
    BOOST_TEST(f == (strings{"facility=\"local4\"", "severity=\"notice\"", "timestamp=\"2003-08-24T05:14:15.000003-07:00\"",
                             "host=\"192.0.2.1\"", "app=\"myproc\"", "procid=\"8710\"",
                             "message=\"%% It's time to make the do-nuts.\""}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(rfc5424_example_3_structured_data_and_message) {
    auto f = parse_one("parse_syslog", "{}",
                       "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut=\"3\" "
                       "eventSource=\"Application\" eventID=\"1011\"] \xEF\xBB\xBF"
                       "An application event log entry...");
    BOOST_TEST(f == (strings{"facility=\"local4\"", "severity=\"notice\"", "timestamp=\"2003-10-11T22:14:15.003Z\"",
                             "host=\"mymachine.example.com\"", "app=\"evntslog\"", "msgid=\"ID47\"",
                             "sd.exampleSDID@32473.iut=\"3\"", "sd.exampleSDID@32473.eventSource=\"Application\"",
                             "sd.exampleSDID@32473.eventID=\"1011\"", "message=\"An application event log entry...\""}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(rfc5424_example_4_two_elements_and_no_message) {
    auto f = parse_one("parse_syslog", "{}",
                       "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut=\"3\" "
                       "eventSource=\"Application\" eventID=\"1011\"][examplePriority@32473 class=\"high\"]");
    BOOST_TEST(f == (strings{"facility=\"local4\"", "severity=\"notice\"", "timestamp=\"2003-10-11T22:14:15.003Z\"",
                             "host=\"mymachine.example.com\"", "app=\"evntslog\"", "msgid=\"ID47\"",
                             "sd.exampleSDID@32473.iut=\"3\"", "sd.exampleSDID@32473.eventSource=\"Application\"",
                             "sd.exampleSDID@32473.eventID=\"1011\"", "sd.examplePriority@32473.class=\"high\""}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(rfc5424_param_value_escapes_and_nil_everything) {
    auto f = parse_one("parse_syslog", "{}", R"(<11>1 - - - - - [x@1 p="a\"b\\c\]d\e"] m)");
    BOOST_TEST(f == (strings{"facility=\"user\"", "severity=\"err\"", R"(sd.x@1.p="a\"b\\c]d\\e")", "message=\"m\""}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(rfc3164_example_1) {
    auto f = parse_one("parse_syslog", "{}", "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8",
                       dec_1_2026);
    BOOST_TEST(f == (strings{"facility=\"auth\"", "severity=\"crit\"", "timestamp=\"2026-10-11T22:14:15Z\"",
                             "host=\"mymachine\"", "app=\"su\"", "message=\"'su root' failed for lonvick on /dev/pts/8\""}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(rfc3164_example_2_no_pri_is_user_notice_received_now) {
    auto f = parse_one("parse_syslog", "{}", "Use the BFG!", dec_1_2026);
    BOOST_TEST(f == (strings{"facility=\"user\"", "severity=\"notice\"", "timestamp=\"2026-12-01T12:00:00.000Z\"",
                             "message=\"Use the BFG!\""}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(rfc3164_example_3_a_zone_after_the_time_is_taken_for_the_host) {
    auto f = parse_one("parse_syslog", "{}",
                       "<165>Aug 24 05:34:00 CST 1987 mymachine myproc[10]: %% It's time to make the do-nuts.", dec_1_2026);
    BOOST_TEST(f == (strings{"facility=\"local4\"", "severity=\"notice\"", "timestamp=\"2026-08-24T05:34:00Z\"",
                             "host=\"CST\"", "message=\"1987 mymachine myproc[10]: %% It's time to make the do-nuts.\""}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(rfc3164_example_4_no_valid_timestamp_keeps_everything_as_message) {
    auto f = parse_one("parse_syslog", "{}",
                       "<0>1990 Oct 22 10:52:01 TZ-6 scapegoat.dmz.example.org 10.1.2.3 sched[0]: That's All Folks!",
                       dec_1_2026);
    BOOST_TEST(f == (strings{"facility=\"kern\"", "severity=\"emerg\"", "timestamp=\"2026-12-01T12:00:00.000Z\"",
                             "message=\"1990 Oct 22 10:52:01 TZ-6 scapegoat.dmz.example.org 10.1.2.3 sched[0]: That's All "
                             "Folks!\""}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(rfc3164_variants_no_host_tag_with_pid_padded_day) {
    auto f = parse_one("parse_syslog", "{}", "<78>Dec  1 10:00:00 cron[123]: job done", dec_1_2026);
    BOOST_TEST(f == (strings{"facility=\"cron\"", "severity=\"info\"", "timestamp=\"2026-12-01T10:00:00Z\"", "app=\"cron\"",
                             "procid=\"123\"", "message=\"job done\""}),
               boost::test_tools::per_element());
    auto g = parse_one("parse_syslog", "{}", "<13>Nov 30 23:59:59 web01 nginx[7]: GET /", dec_1_2026);
    BOOST_TEST(g == (strings{"facility=\"user\"", "severity=\"notice\"", "timestamp=\"2026-11-30T23:59:59Z\"",
                             "host=\"web01\"", "app=\"nginx\"", "procid=\"7\"", "message=\"GET /\""}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(rfc3164_iso_timestamps_keep_their_zone_or_get_the_configured_one) {
    auto f = parse_one("parse_syslog", "{}", "<13>2026-11-30T10:00:00.5+01:00 host app: msg");
    BOOST_TEST(f == (strings{"facility=\"user\"", "severity=\"notice\"", "timestamp=\"2026-11-30T10:00:00.5+01:00\"",
                             "host=\"host\"", "app=\"app\"", "message=\"msg\""}),
               boost::test_tools::per_element());
    auto g = parse_one("parse_syslog", R"({"timezone": "-05:30"})", "<13>2026-11-30T10:00:00 host app: msg");
    BOOST_TEST(g[2] == "timestamp=\"2026-11-30T10:00:00-05:30\"");
}

BOOST_AUTO_TEST_CASE(rfc3164_year_comes_from_the_receive_time_across_new_year) {
    // A December line received on 2 January is last year's; a January one is this year's.
    auto dec = parse_one("parse_syslog", "{}", "<13>Dec 31 23:59:58 h a: m", jan_2_2027);
    BOOST_TEST(dec[2] == "timestamp=\"2026-12-31T23:59:58Z\"");
    auto jan = parse_one("parse_syslog", "{}", "<13>Jan  2 00:00:01 h a: m", jan_2_2027);
    BOOST_TEST(jan[2] == "timestamp=\"2027-01-02T00:00:01Z\"");
    // A fixed zone shifts the receive time's date: 2 January 00:00Z is 1 January at -01:00.
    auto zoned = parse_one("parse_syslog", R"({"timezone": "-01:00"})", "<13>Dec 31 23:00:00 h a: m", jan_2_2027);
    BOOST_TEST(zoned[2] == "timestamp=\"2026-12-31T23:00:00-01:00\"");
}

BOOST_AUTO_TEST_CASE(facility_and_severity_are_literals_so_rfc5424_output_shares_the_input_bytes) {
    harness h;
    auto p = h.make_ok("parse_syslog");
    auto in = make_batch({"<11>1 2026-12-02T10:00:00Z web1 app 7 - - one", "<165>1 - - - - - - two"});
    auto r = run(*p, in);
    // Every other value is a slice of its line: no copy of the batch's bytes.
    BOOST_TEST(r.ports[0].bytes.get() == in.bytes.get());
    const auto& out = r.ports[0];
    auto f = out.fields_of(1);
    BOOST_TEST_REQUIRE(f.size() == 3u);
    BOOST_TEST(f[0].literal);
    BOOST_TEST(out.value_of(f[0]).text == "local4");
    BOOST_TEST(out.value_of(f[1]).text == "notice");
    BOOST_TEST(!f[2].literal);
    BOOST_TEST(fields_of(r, 0) == (strings{"facility=\"user\"", "severity=\"err\"", "timestamp=\"2026-12-02T10:00:00Z\"",
                                           "host=\"web1\"", "app=\"app\"", "procid=\"7\"", "message=\"one\""}),
               boost::test_tools::per_element());
    // A copy of the lines (what a stage does when it must own the bytes) keeps the values.
    sightline::line_batch copy;
    for (std::size_t i = 0; i < out.size(); ++i) copy.append_line_of(out, i);
    BOOST_TEST(copy.value_of(copy.fields_of(1)[1]).text == "notice");
}

BOOST_AUTO_TEST_CASE(bad_timezone_is_a_config_problem) {
    harness h;
    BOOST_TEST(h.make("parse_syslog", R"({"timezone": "Europe/Berlin"})") == nullptr);
    BOOST_TEST(h.found.items() ==
                   (strings{"processors[0].timezone: must be UTC, local or an offset such as +02:00, not Europe/Berlin"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(malformed_lines_fail_with_a_reason) {
    harness h;
    auto p = h.make_ok("parse_syslog");
    auto in = make_batch({"<999>x", "<12", "<34>1 2003-10-11T22:14:15.003Z host", "<34>1 yesterday h a p m -",
                          "<34>1 - h a p m [broken", ""});
    auto r = run(*p, in);
    BOOST_TEST(r.errors == 6u);
    BOOST_TEST(failures(r) ==
                   (strings{"<999>x|bad_pri: PRI 999 is not 0 to 191|parse",
                            "<12|bad_pri: the line starts with '<' but has no PRI of 1 to 3 digits and '>'|parse",
                            "<34>1 2003-10-11T22:14:15.003Z host|truncated: the RFC 5424 header ends before "
                            "STRUCTURED-DATA|parse",
                            "<34>1 yesterday h a p m -|bad_timestamp: TIMESTAMP is not an RFC 3339 time with a zone|parse",
                            "<34>1 - h a p m [broken|bad_structured_data: an SD-ELEMENT must end with ']'|parse",
                            "|empty: an empty line is no syslog message|parse"}),
               boost::test_tools::per_element());
    BOOST_TEST(r.parse_failures.size() == 5u);  // bad_pri twice, truncated, bad_timestamp, bad_structured_data, empty
    BOOST_TEST(r.parse_failure_samples.empty());  // failed lines reach /errors as failures, not twice
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(parser_on_error_tests)

BOOST_AUTO_TEST_CASE(keep_passes_the_line_unchanged_and_counts_it) {
    harness h;
    auto p = h.make_ok("parse_json", R"({"on_error": "keep"})");
    auto r = run(*p, make_batch({"{\"a\":1}", "not json", "{\"b\":"}));
    BOOST_TEST(r.lines_out == 3u);
    BOOST_TEST(r.errors == 0u);
    BOOST_TEST(texts(r) == (strings{"{\"a\":1}", "not json", "{\"b\":"}), boost::test_tools::per_element());
    BOOST_TEST(fields_of(r, 0) == (strings{"a=1"}), boost::test_tools::per_element());
    BOOST_TEST(fields_of(r, 1).empty());
    BOOST_TEST(fields_of(r, 2).empty());  // nothing half-parsed
    BOOST_REQUIRE(r.parse_failures.size() == 1u);
    BOOST_TEST(r.parse_failures[0].first == "invalid_json");
    BOOST_TEST(r.parse_failures[0].second == 2u);
    BOOST_REQUIRE(r.parse_failure_samples.size() == 2u);
    BOOST_TEST(r.parse_failure_samples[0].line == "not json");
    BOOST_TEST(r.parse_failure_samples[0].reason == "invalid_json");
}

BOOST_AUTO_TEST_CASE(drop_counts_parse_failed) {
    harness h;
    auto p = h.make_ok("parse_logfmt", R"({"on_error": "drop"})");
    auto r = run(*p, make_batch({"a=1", "", "b=\"open", "c=2"}));
    BOOST_TEST(r.lines_out == 2u);
    BOOST_TEST(dropped(r, drop_reason::parse_failed) == 2u);
    BOOST_TEST(r.dropped_total() == 2u);
    BOOST_TEST(texts(r) == (strings{"a=1", "c=2"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(fail_is_the_default_with_error_type_parse) {
    harness h;
    auto p = h.make_ok("parse_regex", R"({"pattern": "^(?<n>[0-9]+)$"})");
    auto r = run(*p, make_batch({"12", "x"}));
    BOOST_TEST(r.lines_out == 1u);
    BOOST_TEST(failures(r) == (strings{"x|no_match: the pattern does not match|parse"}), boost::test_tools::per_element());
    BOOST_TEST(r.failed_events.size() == 1u);
    BOOST_TEST(r.failed_events.text(0) == "x");
}

BOOST_AUTO_TEST_CASE(field_parses_another_fields_text) {
    harness h;
    auto syslog = h.make_ok("parse_syslog");
    auto json = h.make_ok("parse_json", R"({"field": "message"})");
    auto r1 = run(*syslog, make_batch({R"(<14>1 - h app - - - {"user":"bob","n":2})", "<14>1 - h app - - -"}));
    auto r2 = run(*json, r1.ports[0]);
    BOOST_TEST(r2.lines_out == 1u);
    BOOST_TEST(fields_of(r2, 0) == (strings{"facility=\"user\"", "severity=\"info\"", "host=\"h\"", "app=\"app\"",
                                            "message=\"{\\\"user\\\":\\\"bob\\\",\\\"n\\\":2}\"", "user=\"bob\"", "n=2"}),
               boost::test_tools::per_element());
    BOOST_TEST(failures(r2) == (strings{"<14>1 - h app - - -|field_missing: the line has no field message|parse"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(parse_json_tests)

BOOST_AUTO_TEST_CASE(members_become_typed_fields) {
    auto f = parse_one("parse_json", "{}",
                       R"({"level":"warn","user":"bob","latency_ms":812,"ok":true,"gone":null,"ratio":0.25,"e":1e3})");
    BOOST_TEST(f == (strings{"level=\"warn\"", "user=\"bob\"", "latency_ms=812", "ok=true", "gone=null", "ratio=0.25",
                             "e=1000.0"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(escapes_and_surrogate_pairs_are_decoded) {
    auto f = parse_one("parse_json", "{}", R"({"m":"a\"b\\c\n\u00e9\ud83d\ude00","k\u0041":"v"})");
    BOOST_TEST(f == (strings{"m=\"a\\\"b\\\\c\\n\xC3\xA9\xF0\x9F\x98\x80\"", "kA=\"v\""}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(nested_objects_flatten_arrays_stay_json) {
    auto f = parse_one("parse_json", "{}", R"({"a":{"b":{"c":1},"d":"x"},"e":{},"l":[1,{"x":"y"},[true,null]],"z":0})");
    BOOST_TEST(f == (strings{"a.b.c=1", "a.d=\"x\"", "e={}", R"(l=[1,{"x":"y"},[true,null]])", "z=0"}),
               boost::test_tools::per_element());
    auto g = parse_one("parse_json", R"({"flatten": false})", R"({"a":{"b":{"c":1},"d":"x y"},"z":0})");
    BOOST_TEST(g == (strings{R"(a={"b":{"c":1},"d":"x y"})", "z=0"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(huge_numbers_keep_their_digits) {
    auto f = parse_one("parse_json", "{}",
                       R"({"big":123456789012345678901234567890,"u":18446744073709551615,"min":-9223372036854775808,"l":[18446744073709551616]})");
    BOOST_TEST(f == (strings{"big=123456789012345678901234567890", "u=18446744073709551615", "min=-9223372036854775808",
                             "l=[18446744073709551616]"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_repeated_member_keeps_the_last_value) {
    auto f = parse_one("parse_json", "{}", R"({"a":1,"a":"two"})");
    BOOST_TEST(f == (strings{"a=\"two\""}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(unescaped_values_are_slices_of_the_batch_bytes) {
    harness h;
    auto p = h.make_ok("parse_json");
    auto in = make_batch({R"({"a":"x","n":1})", R"({"b":"y"})"});
    auto r = run(*p, in);
    // Every value is a slice of its line: the output shares the input's bytes.
    BOOST_TEST(r.ports[0].bytes.get() == in.bytes.get());
    BOOST_TEST(fields_of(r, 1) == (strings{"b=\"y\""}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(invalid_json_deep_nesting_and_non_objects_fail) {
    harness h;
    auto p = h.make_ok("parse_json", R"({"max_depth": 3})");
    auto r = run(*p, make_batch({R"({"a":{"b":{"c":{}}}})", "[1,2]", "\"s\"", "42", "{\"a\":", "{\"a\":\"\xFF\"}",
                                 "{} {}", R"({"a":{"b":1}})"}));
    BOOST_TEST(r.lines_out == 1u);
    BOOST_TEST(texts(r) == (strings{R"({"a":{"b":1}})"}), boost::test_tools::per_element());
    strings reasons;
    for (const auto& f : r.failures) reasons.push_back(f.message.substr(0, f.message.find(':')));
    BOOST_TEST(reasons == (strings{"too_deep", "not_object", "not_object", "not_object", "invalid_json", "invalid_json",
                                   "invalid_json"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(parse_logfmt_tests)

BOOST_AUTO_TEST_CASE(pairs_quotes_escapes_and_flags) {
    auto f = parse_one("parse_logfmt", "{}", R"(level=info msg="hello \"world\"\n" flag  path=/a=b empty= q="")");
    BOOST_TEST(f == (strings{"level=\"info\"", R"(msg="hello \"world\"\n")", "flag=true", "path=\"/a=b\"", "empty=\"\"",
                             "q=\"\""}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(bad_logfmt_fails_with_a_reason) {
    harness h;
    auto p = h.make_ok("parse_logfmt");
    auto r = run(*p, make_batch({"a=\"open", "=x", "   "}));
    BOOST_TEST(failures(r) == (strings{"a=\"open|unterminated_quote: the value of a has no closing quote|parse",
                                       "=x|bad_key: a pair at byte 0 has no key|parse",
                                       "   |no_pairs: no key=value pair in the line|parse"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(parse_regex_tests)

BOOST_AUTO_TEST_CASE(named_captures_become_fields) {
    auto f = parse_one("parse_regex", R"re({"pattern": "^(?<ip>\\S+) (?<verb>[A-Z]+)( (?<opt>x))? (?'path'\\S+)"})re",
                       "10.0.0.1 GET /index.html HTTP/1.1");
    BOOST_TEST(f == (strings{"ip=\"10.0.0.1\"", "verb=\"GET\"", "path=\"/index.html\""}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_pattern_without_named_groups_is_a_config_problem) {
    harness h;
    BOOST_TEST(h.make("parse_regex", R"re({"pattern": "(?<=a)b(c)(?<!d)"})re") == nullptr);
    BOOST_TEST(h.found.items() == (strings{"processors[0].pattern: needs at least one named group (?<name>...)"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()
