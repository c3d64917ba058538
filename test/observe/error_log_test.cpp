#include "sightline/observe/error_log.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <boost/test/unit_test.hpp>

#include <cctype>
#include <chrono>
#include <cstdint>
#include <limits>
#include <string>

#include "sightline/core/time_format.hpp"

namespace json = boost::json;
using sightline::error_record;

namespace {

std::int64_t now_us() { return sightline::unix_us(std::chrono::system_clock::now()); }

/// True when `s` looks like "2026-11-22T14:39:51.123456Z".
bool is_rfc3339_with_micros(const std::string& s) {
    if (s.size() != 27) return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        switch (i) {
        case 4: case 7: if (c != '-') return false; break;
        case 10: if (c != 'T') return false; break;
        case 13: case 16: if (c != ':') return false; break;
        case 19: if (c != '.') return false; break;
        case 26: if (c != 'Z') return false; break;
        default: if (!std::isdigit(static_cast<unsigned char>(c))) return false;
        }
    }
    return true;
}

std::string str(const json::value& v) { return std::string(v.as_string()); }

}  // namespace

BOOST_AUTO_TEST_SUITE(error_log_tests)

BOOST_AUTO_TEST_CASE(make_copies_the_fields_and_stamps_now) {
    auto before = now_us();
    auto r = error_record::make("parser", "bad field", "processor", "the line", 42);
    auto after = now_us();
    BOOST_TEST(r.processor == "parser");
    BOOST_TEST(r.message == "bad field");
    BOOST_TEST(r.error_type == "processor");
    BOOST_TEST(r.line == "the line");
    BOOST_TEST(!r.line_cut);
    BOOST_TEST(r.line_id == 42u);
    BOOST_TEST(r.unix_us >= before);
    BOOST_TEST(r.unix_us <= after);
}

BOOST_AUTO_TEST_CASE(make_cuts_the_line_beyond_1024_bytes) {
    std::string exact(1024, 'a');
    auto r1 = error_record::make("p", "m", "t", exact, 0);
    BOOST_TEST(r1.line == exact);
    BOOST_TEST(!r1.line_cut);

    std::string over = std::string(1024, 'b') + "c";
    auto r2 = error_record::make("p", "m", "t", over, 0);
    BOOST_TEST(r2.line.size() == 1024u);
    BOOST_TEST(r2.line == std::string(1024, 'b'));
    BOOST_TEST(r2.line_cut);

    auto r3 = error_record::make("p", "m", "t", std::string(70000, 'd'), 0);
    BOOST_TEST(r3.line.size() == 1024u);
    BOOST_TEST(r3.line_cut);

    auto r4 = error_record::make("p", "m", "t", "", 0);
    BOOST_TEST(r4.line.empty());
    BOOST_TEST(!r4.line_cut);
}

BOOST_AUTO_TEST_CASE(to_json_has_every_field) {
    auto r = error_record::make("router", "no route for tag", "routing", "GET / 500", 7);
    auto o = r.to_json();
    BOOST_TEST(o.size() == 7u);
    BOOST_TEST(str(o.at("processor")) == "router");
    BOOST_TEST(str(o.at("message")) == "no route for tag");
    BOOST_TEST(str(o.at("error_type")) == "routing");
    BOOST_TEST(str(o.at("line")) == "GET / 500");
    BOOST_TEST(o.at("line_cut").as_bool() == false);
    BOOST_TEST(str(o.at("line_id")) == "7");
    BOOST_TEST(is_rfc3339_with_micros(str(o.at("timestamp"))), "timestamp " << o.at("timestamp"));

    auto cut = error_record::make("p", "m", "t", std::string(2000, 'x'), 0).to_json();
    BOOST_TEST(cut.at("line_cut").as_bool() == true);
    BOOST_TEST(cut.at("line").as_string().size() == 1024u);
}

BOOST_AUTO_TEST_CASE(line_id_is_null_when_untraced_and_a_decimal_string_otherwise) {
    auto untraced = error_record::make("p", "m", "t", "l", 0).to_json();
    BOOST_TEST_REQUIRE(untraced.contains("line_id"));
    BOOST_TEST(untraced.at("line_id").is_null());

    auto traced = error_record::make("p", "m", "t", "l", 1).to_json();
    BOOST_TEST_REQUIRE(traced.at("line_id").is_string());
    BOOST_TEST(str(traced.at("line_id")) == "1");

    // A string, so that JavaScript clients do not lose precision beyond 2^53.
    auto big = error_record::make("p", "m", "t", "l", std::numeric_limits<std::uint64_t>::max()).to_json();
    BOOST_TEST(str(big.at("line_id")) == "18446744073709551615");
    auto above_2_53 = error_record::make("p", "m", "t", "l", (std::uint64_t{1} << 53) + 1).to_json();
    BOOST_TEST(str(above_2_53.at("line_id")) == "9007199254740993");
}

BOOST_AUTO_TEST_CASE(timestamp_is_rfc3339_utc_with_microseconds) {
    error_record r;
    r.unix_us = 1'700'000'000'123'456;  // 2023-11-14 22:13:20.123456 UTC
    auto ts = str(r.to_json().at("timestamp"));
    BOOST_TEST(ts == "2023-11-14T22:13:20.123456Z");
    BOOST_TEST(ts.size() == 27u);
    BOOST_TEST(ts.back() == 'Z');

    r.unix_us = 0;
    BOOST_TEST(str(r.to_json().at("timestamp")) == "1970-01-01T00:00:00.000000Z");
    r.unix_us = 951'782'400'000'007;  // leap day 2000, 7 us after midnight
    BOOST_TEST(str(r.to_json().at("timestamp")) == "2000-02-29T00:00:00.000007Z");
    r.unix_us = 1'704'067'199'999'999;  // the last microsecond of 2023
    BOOST_TEST(str(r.to_json().at("timestamp")) == "2023-12-31T23:59:59.999999Z");

    auto made = error_record::make("p", "m", "t", "l", 0).to_json();
    auto made_ts = str(made.at("timestamp"));
    BOOST_TEST(made_ts.size() == 27u);
    BOOST_TEST(made_ts.back() == 'Z');
    BOOST_TEST(is_rfc3339_with_micros(made_ts), "timestamp " << made_ts);
}

BOOST_AUTO_TEST_CASE(error_log_keeps_the_newest_records) {
    sightline::error_log log(2);
    log.add({error_record::make("a", "1", "t", "l", 0), error_record::make("b", "2", "t", "l", 0)});
    log.add({error_record::make("c", "3", "t", "l", 0)});
    auto newest = log.newest(10, [](const error_record&) { return true; });
    BOOST_TEST_REQUIRE(newest.size() == 2u);
    BOOST_TEST(newest[0].processor == "c");
    BOOST_TEST(newest[1].processor == "b");
    BOOST_TEST(log.total() == 3u);
}

BOOST_AUTO_TEST_SUITE_END()
