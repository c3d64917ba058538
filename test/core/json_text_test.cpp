#include "sightline/core/json_text.hpp"

#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>
#include <random>
#include <string>

#include "sightline/core/utf8.hpp"

namespace json = boost::json;
using sightline::append_json_string;
using sightline::field_value;

namespace {
std::string quoted(std::string_view s) {
    std::string out = "prefix:";
    append_json_string(out, s);
    // The SSE2-only blocks (CPUs without SSSE3) must write the very same bytes.
    std::string portable = "prefix:";
    sightline::detail::append_json_string_sse2(portable, s);
    BOOST_TEST(portable == out);
    return out.substr(7);
}
}  // namespace

BOOST_AUTO_TEST_SUITE(json_text_tests)

BOOST_AUTO_TEST_CASE(escapes_what_json_requires) {
    BOOST_TEST(quoted("plain") == "\"plain\"");
    BOOST_TEST(quoted("a\"b\\c\nd\re\tf\bg\fh") == R"("a\"b\\c\nd\re\tf\bg\fh")");
    BOOST_TEST(quoted(std::string("\x01\x1f\0z", 4)) == R"("\u0001\u001f\u0000z")");
    BOOST_TEST(quoted("caf\xC3\xA9 \xF0\x9F\x98\x80") == "\"caf\xC3\xA9 \xF0\x9F\x98\x80\"");  // valid UTF-8 kept
    BOOST_TEST(quoted("") == "\"\"");
}

BOOST_AUTO_TEST_CASE(ill_formed_utf8_becomes_replacement_characters) {
    BOOST_TEST(quoted("a\xFF" "b") == "\"a\xEF\xBF\xBD" "b\"");
    BOOST_TEST(quoted("\xC3") == "\"\xEF\xBF\xBD\"");            // cut inside a character
    BOOST_TEST(quoted("\xED\xA0\x80") == "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");  // a surrogate
}

BOOST_AUTO_TEST_CASE(round_trips_through_a_json_parser_at_every_length_and_position) {
    // The 16-byte fast path and the byte path must agree wherever a special byte falls.
    std::mt19937 rng(7);
    const std::string alphabet = "abcXYZ 019\"\\\n\t\x01\x7f/\xC3\xA9";
    for (int round = 0; round < 2000; ++round) {
        std::string s;
        auto len = rng() % 70;
        for (unsigned k = 0; k < len; ++k) {
            char c = alphabet[rng() % alphabet.size()];
            if (c == '\xC3') s += "\xC3\xA9";
            else if (c != '\xA9') s.push_back(c);
        }
        json::error_code ec;
        auto v = json::parse(quoted(s), ec);
        BOOST_REQUIRE_MESSAGE(!ec && v.is_string(), "not JSON for input " << round);
        BOOST_TEST(std::string(v.as_string()) == s);
    }
    for (int round = 0; round < 500; ++round) {  // arbitrary bytes: valid JSON, valid UTF-8
        std::string s;
        auto len = rng() % 70;
        for (unsigned k = 0; k < len; ++k) s.push_back(static_cast<char>(rng() % 256));
        auto q = quoted(s);
        json::error_code ec;
        json::parse(q, ec);
        BOOST_TEST(!ec);
        BOOST_TEST(sightline::is_valid_utf8(q));
    }
}

BOOST_AUTO_TEST_CASE(long_runs_of_bytes_that_need_more_room_than_two_per_byte) {
    // The output starts with room for two bytes per input byte and grows for \u00XX
    // and U+FFFD: a run of either must never write past it.
    std::string controls(3000, '\x01');
    auto q = quoted(controls);
    BOOST_TEST(q.size() == 3000u * 6 + 2);
    BOOST_TEST(q.substr(0, 13) == R"("\u0001\u0001)");
    std::string bad(3000, '\xFF');
    q = quoted(bad);
    BOOST_TEST(q.size() == 3000u * 3 + 2);
    std::string mixed;
    for (int k = 0; k < 1000; ++k) mixed += "\"\x02\xFF\\";
    json::error_code ec;
    auto v = json::parse(quoted(mixed), ec);
    BOOST_REQUIRE(!ec);
    std::string expect;
    for (int k = 0; k < 1000; ++k) expect += "\"\x02\xEF\xBF\xBD\\";
    BOOST_TEST(std::string(v.as_string()) == expect);
}

BOOST_AUTO_TEST_CASE(values_in_json_spelling) {
    std::string out;
    sightline::append_json_value(out, field_value::of_integer(-42));
    out += ' ';
    sightline::append_json_value(out, field_value::of_float(1.0));
    out += ' ';
    sightline::append_json_value(out, field_value::of_float(0.25));
    out += ' ';
    sightline::append_json_value(out, field_value::of_float(1.0 / 0.0));
    out += ' ';
    sightline::append_json_value(out, field_value::of_bool(true));
    out += ' ';
    sightline::append_json_value(out, field_value::null());
    out += ' ';
    sightline::append_json_value(out, field_value::json("[1,{\"a\":2}]"));
    BOOST_TEST(out == R"(-42 1.0 0.25 null true null [1,{"a":2}])");
}

BOOST_AUTO_TEST_SUITE_END()
