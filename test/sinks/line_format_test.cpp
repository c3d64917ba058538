#include "sightline/sinks/line_format.hpp"

#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

using namespace sightline;

BOOST_AUTO_TEST_SUITE(line_format_tests)

BOOST_AUTO_TEST_CASE(json_includes_line_facts_and_a_field_of_the_same_name_wins) {
    tag_table tags;
    auto f = line_format::from_params(
        boost::json::parse(R"({"format":"json","include":["source","tag","line_id","received_at"]})").as_object(), &tags);
    line_batch b;
    b.source = "in";
    b.received_us = 1796126400LL * 1000000;  // 2026-12-01T12:00:00Z
    field_view own_source{*field_keys::intern("source"), field_value::string("mine")};
    b.append_event("text one", tags.intern("warn"), 7, std::span<const field_view>(&own_source, 1));
    b.append("text two");
    std::string one, two;
    f.format_line(b, 0, one);
    f.format_line(b, 1, two);
    BOOST_TEST(one == R"({"source":"mine","message":"text one","tag":"warn","line_id":7,"received_at":"2026-12-01T12:00:00.000000Z"})");
    BOOST_TEST(two == R"({"message":"text two","source":"in","tag":null,"line_id":0,"received_at":"2026-12-01T12:00:00.000000Z"})");
}

BOOST_AUTO_TEST_CASE(template_reads_fields_and_line_facts) {
    auto f = line_format::from_params(
        boost::json::parse(R"({"format":"template","template":"{app}[{n}] {missing}|{message}|{source}"})").as_object(), nullptr);
    line_batch b;
    b.source = "in";
    field_view fields[] = {{*field_keys::intern("app"), field_value::string("cron")},
                           {*field_keys::intern("n"), field_value::of_integer(3)}};
    b.append_event("the text", 0, 1, fields);
    std::string out;
    f.format_line(b, 0, out);
    BOOST_TEST(out == "cron[3] |the text|in");
}

BOOST_AUTO_TEST_SUITE_END()
