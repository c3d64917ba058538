#include "sightline/core/dead_letter_record.hpp"

#include <boost/test/unit_test.hpp>

#include <string>

using namespace sightline;

BOOST_AUTO_TEST_SUITE(dead_letter_record_tests)

BOOST_AUTO_TEST_CASE(a_record_reads_back_as_written) {
    std::string error;
    auto e = parse_dead_letter_record(dead_letter_record("2026-12-01T00:00:00Z", "json", "parse", "bad", "plain", 42), error);
    BOOST_REQUIRE(e);
    BOOST_TEST(e->timestamp == "2026-12-01T00:00:00Z");
    BOOST_TEST(e->stage == "json");
    BOOST_TEST(e->error_type == "parse");
    BOOST_TEST(e->error == "bad");
    BOOST_TEST(e->line == "plain");
    BOOST_TEST(*e->line_id == 42u);
    BOOST_TEST(error.empty());
}

BOOST_AUTO_TEST_CASE(invalid_utf8_comes_back_as_the_exact_bytes) {
    const std::string bytes = "a\xFF\xFE" "b\xC3";
    std::string error;
    auto e = parse_dead_letter_record(dead_letter_record("t", "s", "parse", "e", bytes, std::nullopt), error);
    BOOST_REQUIRE(e);
    BOOST_TEST(e->line == bytes);
    BOOST_TEST(!e->line_id);
}

BOOST_AUTO_TEST_CASE(what_is_not_a_record_says_why) {
    auto why = [](std::string_view text) {
        std::string error;
        BOOST_TEST(!parse_dead_letter_record(text, error), text);
        return error;
    };
    BOOST_TEST(why("not json").starts_with("not JSON: "));
    BOOST_TEST(why("[1]") == "not a JSON object");
    BOOST_TEST(why(R"({"stage":"x"})") == "no \"line\" string");
    BOOST_TEST(why(R"({"line":5})") == "no \"line\" string");
    BOOST_TEST(why(R"({"line":"x","line_base64":"@@@"})") == "line_base64 is not base64");
    BOOST_TEST(why(R"({"line":"x","line_base64":7})") == "line_base64 is not a string");
    BOOST_TEST(why(R"({"line":"x","line_id":7})") == "line_id is not a positive integer in a string");
    BOOST_TEST(why(R"({"line":"x","line_id":"0"})") == "line_id is not a positive integer in a string");
    BOOST_TEST(why(R"({"line":"x","line_id":"12a"})") == "line_id is not a positive integer in a string");
    BOOST_TEST(why(R"({"line":"a\nb"})") == "the line holds a newline");
}

BOOST_AUTO_TEST_SUITE_END()
