#include "sightline/web/client_message.hpp"

#include <boost/test/unit_test.hpp>

#include <array>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <variant>

using sightline::client_message;
using sightline::invalid_message;
using sightline::parse_client_message;
using sightline::ping_request;
using sightline::subscribe_request;

namespace {

/// The error of an invalid message, or "<valid>" when the message parsed.
std::string error_of(std::string_view text) {
    auto m = parse_client_message(text);
    if (const auto* bad = std::get_if<invalid_message>(&m)) return bad->error;
    return "<valid>";
}

/// The filter of a subscribe message; fails the test for anything else.
sightline::trace_filter subscribed(std::string_view text) {
    auto m = parse_client_message(text);
    const auto* s = std::get_if<subscribe_request>(&m);
    BOOST_TEST_REQUIRE(s != nullptr, "not a subscribe: " << text << " -> " << error_of(text));
    return s->filter;
}

/// True when `s` is well-formed UTF-8 (no lone lead or continuation bytes).
bool is_valid_utf8(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        auto c = static_cast<unsigned char>(s[i]);
        std::size_t n = c < 0x80 ? 0 : (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xe ? 2 : (c >> 3) == 0x1e ? 3 : 4;
        if (n == 4 || i + n >= s.size()) return false;
        for (std::size_t k = 1; k <= n; ++k)
            if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return false;
        i += n + 1;
    }
    return true;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(client_message_tests)

BOOST_AUTO_TEST_CASE(subscribe_with_every_field_sets_the_filter) {
    auto f = subscribed(R"({"type":"subscribe","stage":"tagger","status":"drop","outcome":"dropped","text":"timeout"})");
    BOOST_TEST(f.stage == "tagger");
    BOOST_TEST(f.status == "drop");
    BOOST_TEST(f.outcome == "dropped");
    BOOST_TEST(f.text == "timeout");
}

BOOST_AUTO_TEST_CASE(subscribe_with_one_field_leaves_the_others_empty) {
    auto stage = subscribed(R"({"type":"subscribe","stage":"router"})");
    BOOST_TEST(stage.stage == "router");
    BOOST_TEST(stage.status.empty());
    BOOST_TEST(stage.outcome.empty());
    BOOST_TEST(stage.text.empty());

    auto status = subscribed(R"({"status":"error","type":"subscribe"})");  // key order is free
    BOOST_TEST(status.stage.empty());
    BOOST_TEST(status.status == "error");
    BOOST_TEST(status.outcome.empty());
    BOOST_TEST(status.text.empty());

    auto outcome = subscribed(R"({"type":"subscribe","outcome":"file_out"})");
    BOOST_TEST(outcome.stage.empty());
    BOOST_TEST(outcome.status.empty());
    BOOST_TEST(outcome.outcome == "file_out");
    BOOST_TEST(outcome.text.empty());

    auto text = subscribed(R"({"type":"subscribe","text":"a \"quoted\" \u00e9 text"})");
    BOOST_TEST(text.stage.empty());
    BOOST_TEST(text.status.empty());
    BOOST_TEST(text.outcome.empty());
    BOOST_TEST(text.text == "a \"quoted\" \xc3\xa9 text");
}

BOOST_AUTO_TEST_CASE(empty_subscribe_clears_the_filter) {
    auto f = subscribed(R"({"type":"subscribe"})");
    BOOST_TEST(f.stage.empty());
    BOOST_TEST(f.status.empty());
    BOOST_TEST(f.outcome.empty());
    BOOST_TEST(f.text.empty());
    auto blank = subscribed(R"(  { "type" : "subscribe" , "text" : "" }  )");
    BOOST_TEST(blank.text.empty());
}

BOOST_AUTO_TEST_CASE(ping_is_recognised) {
    auto m = parse_client_message(R"({"type":"ping"})");
    BOOST_TEST(std::holds_alternative<ping_request>(m));
    BOOST_TEST(std::holds_alternative<ping_request>(parse_client_message(" {\"type\" : \"ping\"}\n")));
}

BOOST_AUTO_TEST_CASE(bad_json_is_reported_with_the_parser_message) {
    BOOST_TEST(error_of("{") == "invalid JSON: incomplete JSON");
    BOOST_TEST(error_of("") == "invalid JSON: incomplete JSON");
    BOOST_TEST(error_of("nope") == "invalid JSON: syntax error");
    BOOST_TEST(error_of(R"({"type":})") == "invalid JSON: syntax error");
    BOOST_TEST(error_of(R"({"type":"ping"} x)") == "invalid JSON: extra data");
}

BOOST_AUTO_TEST_CASE(a_message_that_is_not_an_object_is_rejected) {
    for (std::string_view text : {"[]", R"(["type","ping"])", R"("subscribe")", "42", "null", "true"})
        BOOST_TEST(error_of(text) == "a message must be a JSON object", "for " << text);
}

BOOST_AUTO_TEST_CASE(a_missing_or_non_string_type_is_rejected) {
    for (std::string_view text : {"{}", R"({"stage":"tagger"})", R"({"type":1})", R"({"type":null})",
                                  R"({"type":["ping"]})", R"({"type":{"name":"ping"}})", R"({"Type":"ping"})"})
        BOOST_TEST(error_of(text) == "\"type\" must be a string", "for " << text);
}

BOOST_AUTO_TEST_CASE(an_unknown_type_is_named_in_the_error) {
    BOOST_TEST(error_of(R"({"type":"pong"})") == "unknown type \"pong\"");
    BOOST_TEST(error_of(R"({"type":""})") == "unknown type \"\"");
    BOOST_TEST(error_of(R"({"type":"Subscribe"})") == "unknown type \"Subscribe\"");
    // A long type is cut at 64 bytes in the message.
    std::string long_type(300, 't');
    BOOST_TEST(error_of(R"({"type":")" + long_type + R"("})") == "unknown type \"" + std::string(64, 't') + "\"");
}

BOOST_AUTO_TEST_CASE(an_unknown_field_is_named_in_the_error) {
    BOOST_TEST(error_of(R"({"type":"subscribe","stag":"tagger"})") == "unknown field \"stag\"");
    BOOST_TEST(error_of(R"({"type":"subscribe","stage":"a","limit":10})") == "unknown field \"limit\"");
    std::string long_key(100, 'k');
    BOOST_TEST(error_of(R"({"type":"subscribe",")" + long_key + R"(":"x"})") ==
               "unknown field \"" + std::string(64, 'k') + "\"");
}

BOOST_AUTO_TEST_CASE(a_non_string_field_is_rejected) {
    BOOST_TEST(error_of(R"({"type":"subscribe","stage":1})") == "\"stage\" must be a string");
    BOOST_TEST(error_of(R"({"type":"subscribe","status":null})") == "\"status\" must be a string");
    BOOST_TEST(error_of(R"({"type":"subscribe","outcome":["a"]})") == "\"outcome\" must be a string");
    BOOST_TEST(error_of(R"({"type":"subscribe","text":{"a":"b"}})") == "\"text\" must be a string");
    BOOST_TEST(error_of(R"({"type":"subscribe","text":true})") == "\"text\" must be a string");
}

BOOST_AUTO_TEST_CASE(a_field_over_256_bytes_is_rejected) {
    std::string exact(256, 'a');
    auto f = subscribed(R"({"type":"subscribe","text":")" + exact + R"("})");
    BOOST_TEST(f.text == exact);
    for (std::string_view field : {"stage", "status", "outcome", "text"}) {
        std::string msg = R"({"type":"subscribe",")" + std::string(field) + R"(":")" + std::string(257, 'a') + R"("})";
        BOOST_TEST(error_of(msg) == "\"" + std::string(field) + "\" is longer than 256 bytes");
    }
    // Bytes, not characters: 128 two-byte characters are 256 bytes, 129 are 258.
    std::string e_acute = "\xc3\xa9";
    std::string ok, over;
    for (int i = 0; i < 128; ++i) ok += e_acute;
    over = ok + e_acute;
    BOOST_TEST(subscribed(R"({"type":"subscribe","stage":")" + ok + R"("})").stage == ok);
    BOOST_TEST(error_of(R"({"type":"subscribe","stage":")" + over + R"("})") == "\"stage\" is longer than 256 bytes");
}

// Regression: names were cut at 64 bytes in the middle of a UTF-8 sequence.
BOOST_AUTO_TEST_CASE(an_error_that_cuts_a_name_stays_valid_utf8) {
    std::string name = std::string(63, 'a') + "\xc3\xa9";  // the e-acute spans bytes 64 and 65
    BOOST_TEST_REQUIRE(is_valid_utf8(name));
    BOOST_TEST_REQUIRE(!is_valid_utf8(std::string(63, 'a') + "\xc3"));
    auto type_error = error_of(R"({"type":")" + name + R"("})");
    BOOST_TEST(type_error.rfind("unknown type \"", 0) == 0u);
    BOOST_TEST(is_valid_utf8(type_error), "error is not UTF-8: " << type_error);
    auto field_error = error_of(R"({"type":"subscribe",")" + name + R"(":"x"})");
    BOOST_TEST(field_error.rfind("unknown field \"", 0) == 0u);
    BOOST_TEST(is_valid_utf8(field_error), "error is not UTF-8: " << field_error);
}

BOOST_AUTO_TEST_CASE(random_bytes_never_throw) {
    std::mt19937 rng(20240611);
    // Half the inputs are raw bytes, half are stitched from JSON-ish tokens, so the
    // parser gets past the first byte and the field checks see odd shapes too.
    constexpr std::array<std::string_view, 24> tokens{
        "{", "}", "[", "]", ":", ",", "\"type\"", "\"subscribe\"", "\"ping\"", "\"stage\"", "\"status\"",
        "\"outcome\"", "\"text\"", "\"x\"", "1", "-0.5e3", "null", "true", "\"\\u0000\"", "\"\\ud800\"", "\"\xff\"",
        " ", "\"", "\\"};
    std::uniform_int_distribution<int> byte(0, 255), length(0, 64), token(0, tokens.size() - 1);
    int valid = 0, invalid = 0;
    for (int i = 0; i < 2000; ++i) {
        std::string s;
        int n = length(rng);
        if (i % 2 == 0) {
            for (int k = 0; k < n; ++k) s.push_back(static_cast<char>(byte(rng)));
        } else {
            for (int k = 0; k < n; ++k) s += tokens[token(rng)];
        }
        client_message m;
        BOOST_CHECK_NO_THROW(m = parse_client_message(s));
        if (const auto* bad = std::get_if<invalid_message>(&m)) {
            BOOST_TEST(!bad->error.empty());
            ++invalid;
        } else {
            ++valid;
        }
    }
    BOOST_TEST(valid + invalid == 2000);
    BOOST_TEST(invalid > 0);
}

BOOST_AUTO_TEST_SUITE_END()
