#include "sightline/core/utf8.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>

#include <string>

#include "sightline/core/dead_letter_record.hpp"
#include "sightline/core/trace_record.hpp"
#include "sightline/observe/error_log.hpp"

using namespace sightline;

namespace {
const std::string fffd = "\xEF\xBF\xBD";
const std::string euro = "\xE2\x82\xAC";  // 3 bytes
}  // namespace

BOOST_AUTO_TEST_SUITE(utf8_tests)

BOOST_AUTO_TEST_CASE(well_formed_text_is_valid_and_ill_formed_is_not) {
    BOOST_TEST(is_valid_utf8(""));
    BOOST_TEST(is_valid_utf8("plain ASCII, long enough to take the 8-byte path"));
    BOOST_TEST(is_valid_utf8("caf\xC3\xA9 " + euro + " \xF0\x9F\x98\x80"));
    const std::string bad[] = {"\xC3", "\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xFF", "a\x80z",
                               "ok so far......\xE2\x82"};
    for (std::size_t i = 0; i < std::size(bad); ++i) BOOST_TEST(!is_valid_utf8(bad[i]), "case " << i);
}

BOOST_AUTO_TEST_CASE(ill_formed_sequences_become_one_replacement_each_maximal_subpart) {
    BOOST_TEST(valid_utf8("abc") == "abc");
    BOOST_TEST(valid_utf8("a\xFFz") == "a" + fffd + "z");
    BOOST_TEST(valid_utf8("\xE2\x82z") == fffd + "z");              // truncated character: one
    BOOST_TEST(valid_utf8("\xE0\x80\xAF") == fffd + fffd + fffd);     // overlong: each byte
    BOOST_TEST(valid_utf8("\xED\xA0\x80") == fffd + fffd + fffd);     // surrogate
    BOOST_TEST(valid_utf8("x" + euro + "\xC3") == "x" + euro + fffd);  // cut at the end
    BOOST_TEST(is_valid_utf8(valid_utf8("\xC0\xC1\xF5\xF8\xFE\xFF\x80\xBF")));
}

BOOST_AUTO_TEST_CASE(a_cut_never_splits_a_character) {
    std::string s = "ab" + euro + "cd";  // the euro sign is bytes 2..4
    BOOST_TEST(utf8_prefix(s, 100) == s.size());
    BOOST_TEST(utf8_prefix(s, 2) == 2u);
    BOOST_TEST(utf8_prefix(s, 3) == 2u);
    BOOST_TEST(utf8_prefix(s, 4) == 2u);
    BOOST_TEST(utf8_prefix(s, 5) == 5u);
    BOOST_TEST(utf8_prefix("\x80\x80\x80\x80\x80", 3) == 3u);  // not UTF-8 there: cut where asked
}

BOOST_AUTO_TEST_CASE(trace_and_error_records_are_valid_json_whatever_the_line_holds) {
    std::string long_line;
    while (long_line.size() < 2000) long_line += euro;  // 1023 is not a character boundary
    for (const std::string& line : {long_line, std::string("bad \xFF\xFE bytes \xC3")}) {
        trace_record t;
        t.set_original(line);
        auto text = boost::json::serialize(t.to_json());
        BOOST_TEST(is_valid_utf8(text));
        auto content = std::string(boost::json::parse(text).at("original_content").as_string());
        BOOST_TEST(content.size() <= trace_record::max_content);
        auto e = error_record::make("stage", "failed on \xFF", "demo", line, 0);
        auto etext = boost::json::serialize(e.to_json());
        BOOST_TEST(is_valid_utf8(etext));
        BOOST_TEST(e.line.size() <= 1024u);
        BOOST_TEST(is_valid_utf8(boost::json::parse(etext).at("line").as_string()));
    }
    trace_record t;
    t.set_original(long_line);
    BOOST_TEST(t.original_content().size() == 1023u - 1023u % 3);  // whole characters only
    BOOST_TEST(t.original_cut);
}

BOOST_AUTO_TEST_CASE(a_dead_letter_record_keeps_the_exact_bytes_of_an_invalid_line) {
    auto ok = boost::json::parse(dead_letter_record("t", "s", "demo", "e", "caf\xC3\xA9", std::nullopt)).as_object();
    BOOST_TEST(ok.at("line").as_string() == "caf\xC3\xA9");
    BOOST_TEST(!ok.contains("line_base64"));
    const std::string raw("x\xFF\0y", 4);
    auto text = dead_letter_record("t", "s", "demo", "bad \xFE", std::string_view(raw.data(), 4), 42);
    BOOST_TEST(is_valid_utf8(text));
    auto bad = boost::json::parse(text).as_object();
    BOOST_TEST(bad.at("line").as_string() == "x" + fffd + std::string("\0y", 2));
    BOOST_TEST(bad.at("line_base64").as_string() == "eP8AeQ==");  // base64 of 78 FF 00 79
    BOOST_TEST(bad.at("error").as_string() == "bad " + fffd);
    BOOST_TEST(bad.at("line_id").as_string() == "42");
}

BOOST_AUTO_TEST_SUITE_END()
