#include "sightline/core/log.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace slog = sightline::log;
using namespace std::chrono_literals;

namespace {

/// Routes logging into a string for one test and restores the process default
/// (info, text, stderr) afterwards, so no later test writes into a dead stream.
struct capture {
    std::ostringstream out;

    capture(slog::level min_level, slog::format fmt) { slog::init(min_level, fmt, &out); }
    ~capture() { slog::init(slog::level::info, slog::format::text); }
    capture(capture const&) = delete;
    capture& operator=(capture const&) = delete;

    std::vector<std::string> lines() const {
        std::vector<std::string> result;
        std::istringstream in(out.str());
        for (std::string line; std::getline(in, line);) result.push_back(line);
        return result;
    }
};

std::regex const timestamp_shape(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z)");

// Length of "2026-11-22T14:39:51.123456Z"; text lines are checked after it.
constexpr std::size_t timestamp_length = 27;

std::vector<std::string> keys_of(boost::json::object const& o) {
    std::vector<std::string> keys;
    for (auto const& kv : o) keys.emplace_back(kv.key());
    return keys;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(log_tests)

BOOST_AUTO_TEST_CASE(json_format_writes_one_object_per_line_with_fields) {
    capture cap(slog::level::trace, slog::format::json);
    auto before = slog::format_timestamp(std::chrono::system_clock::now());
    slog::write(slog::level::info, "pipeline", "pipeline_started",
               {{"stages", 3},
                {"id", "x \"y\"\nz"},
                {"ok", true},
                {"ratio", 0.5},
                {"tags", boost::json::array{"a", 1}}});
    slog::write(slog::level::error, "ingest.tcp", "peer_lost");
    auto after = slog::format_timestamp(std::chrono::system_clock::now());

    auto lines = cap.lines();
    BOOST_TEST_REQUIRE(lines.size() == 2u);

    auto first = boost::json::parse(lines[0]).as_object();
    std::vector<std::string> expected_keys{"timestamp", "level", "component", "event",
                                           "stages",    "id",    "ok",        "ratio",
                                           "tags"};
    BOOST_TEST(keys_of(first) == expected_keys, boost::test_tools::per_element());
    std::string ts(first.at("timestamp").as_string());
    BOOST_TEST(std::regex_match(ts, timestamp_shape));
    // Fixed-width ISO timestamps order lexicographically, so this pins the clock too.
    BOOST_TEST(before <= ts);
    BOOST_TEST(ts <= after);
    BOOST_TEST(first.at("level").as_string() == "info");
    BOOST_TEST(first.at("component").as_string() == "pipeline");
    BOOST_TEST(first.at("event").as_string() == "pipeline_started");
    BOOST_TEST(first.at("stages").as_int64() == 3);
    BOOST_TEST(first.at("id").as_string() == "x \"y\"\nz");
    BOOST_TEST(first.at("ok").as_bool() == true);
    BOOST_TEST(first.at("ratio").as_double() == 0.5);
    BOOST_TEST((first.at("tags") == boost::json::value(boost::json::array{"a", 1})));

    auto second = boost::json::parse(lines[1]).as_object();
    std::vector<std::string> header_keys{"timestamp", "level", "component", "event"};
    BOOST_TEST(keys_of(second) == header_keys, boost::test_tools::per_element());
    BOOST_TEST(second.at("level").as_string() == "error");
    BOOST_TEST(second.at("component").as_string() == "ingest.tcp");
    BOOST_TEST(second.at("event").as_string() == "peer_lost");
}

BOOST_AUTO_TEST_CASE(json_format_renames_fields_that_collide_with_header_keys) {
    capture cap(slog::level::trace, slog::format::json);
    slog::write(slog::level::warn, "cfg", "reloaded", {{"level", "high"}, {"event", 7}});

    auto lines = cap.lines();
    BOOST_TEST_REQUIRE(lines.size() == 1u);
    auto obj = boost::json::parse(lines[0]).as_object();
    BOOST_TEST(obj.size() == 6u);
    BOOST_TEST(obj.at("level").as_string() == "warn");
    BOOST_TEST(obj.at("event").as_string() == "reloaded");
    BOOST_TEST(obj.at("field.level").as_string() == "high");
    BOOST_TEST(obj.at("field.event").as_int64() == 7);
}

BOOST_AUTO_TEST_CASE(text_format_quotes_strings_with_spaces) {
    capture cap(slog::level::trace, slog::format::text);
    slog::write(slog::level::info, "pipeline", "pipeline_started", {{"stages", 3}, {"id", "x y"}});
    slog::write(slog::level::warn, "ingest.tcp", "odd_values",
               {{"bare", "abc"},
                {"quote", "a\"b"},
                {"eq", "k=v"},
                {"nl", "a\nb"},
                {"empty", ""},
                {"ratio", 1.5},
                {"flag", false},
                {"none", nullptr},
                {"list", boost::json::array{1, "two"}}});
    slog::write(slog::level::error, "x", "no_fields");

    auto lines = cap.lines();
    BOOST_TEST_REQUIRE(lines.size() == 3u);
    for (auto const& line : lines) {
        BOOST_TEST_REQUIRE(line.size() > timestamp_length);
        BOOST_TEST(std::regex_match(line.substr(0, timestamp_length), timestamp_shape));
    }
    BOOST_TEST(lines[0].substr(timestamp_length) ==
               R"( info  pipeline pipeline_started stages=3 id="x y")");
    BOOST_TEST(lines[1].substr(timestamp_length) ==
               R"( warn  ingest.tcp odd_values bare=abc quote="a\"b" eq="k=v" nl="a\nb" )"
               R"(empty="" ratio=1.5 flag=false none=null list=[1,"two"])");
    BOOST_TEST(lines[2].substr(timestamp_length) == " error x no_fields");
}

BOOST_AUTO_TEST_CASE(records_below_min_level_are_filtered) {
    using L = slog::level;
    std::vector<L> const all{L::trace, L::debug, L::info, L::warn, L::error};
    for (L min : all) {
        capture cap(min, slog::format::json);
        for (L l : all) slog::write(l, "filter", "probe", {{"at", slog::to_string(l)}});

        std::vector<std::string> written;
        for (auto const& line : cap.lines()) {
            written.emplace_back(boost::json::parse(line).at("level").as_string());
        }
        std::vector<std::string> expected;
        for (L l : all) {
            bool passes = static_cast<int>(l) >= static_cast<int>(min);
            BOOST_TEST(slog::enabled(l) == passes, "min=" << min << " level=" << l);
            if (passes) expected.emplace_back(slog::to_string(l));
        }
        BOOST_TEST(written == expected, boost::test_tools::per_element());
    }
}

BOOST_AUTO_TEST_CASE(init_again_replaces_sink_stream_and_format) {
    std::ostringstream first;
    std::ostringstream second;
    {
        capture restore(slog::level::info, slog::format::text);
        slog::init(slog::level::info, slog::format::text, &first);
        slog::write(slog::level::info, "a", "one");
        slog::init(slog::level::debug, slog::format::json, &second);
        slog::write(slog::level::debug, "b", "two");
    }
    std::string f = first.str();
    BOOST_TEST_REQUIRE(f.size() > timestamp_length);
    BOOST_TEST(f.substr(timestamp_length) == " info  a one\n");

    auto s = second.str();
    BOOST_TEST_REQUIRE(!s.empty());
    BOOST_TEST(s.back() == '\n');
    BOOST_TEST(s.find('\n') == s.size() - 1);
    auto obj = boost::json::parse(s).as_object();
    BOOST_TEST(obj.at("level").as_string() == "debug");
    BOOST_TEST(obj.at("component").as_string() == "b");
    BOOST_TEST(obj.at("event").as_string() == "two");
}

BOOST_AUTO_TEST_CASE(concurrent_writes_produce_whole_lines) {
    capture cap(slog::level::trace, slog::format::json);
    constexpr int threads = 4;
    constexpr int per_thread = 200;
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([t] {
            for (int i = 0; i < per_thread; ++i) {
                slog::write(slog::level::info, "worker." + std::to_string(t), "tick",
                           {{"thread", t}, {"i", i}});
            }
        });
    }
    for (auto& w : workers) w.join();

    auto lines = cap.lines();
    BOOST_TEST_REQUIRE(lines.size() == static_cast<std::size_t>(threads * per_thread));
    std::vector<int> next(threads, 0);
    bool in_order = true;
    for (auto const& line : lines) {
        auto obj = boost::json::parse(line).as_object();
        auto t = static_cast<int>(obj.at("thread").as_int64());
        BOOST_TEST_REQUIRE((t >= 0 && t < threads));
        // The channel must belong to the record, not to whichever thread set it last.
        BOOST_TEST(obj.at("component").as_string() == "worker." + std::to_string(t));
        in_order = in_order && obj.at("i").as_int64() == next[t];
        ++next[t];
    }
    BOOST_TEST(in_order);
    BOOST_TEST(next == std::vector<int>(threads, per_thread), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(parse_level_accepts_known_names_and_rejects_others) {
    using L = slog::level;
    BOOST_TEST((slog::parse_level("trace") == L::trace));
    BOOST_TEST((slog::parse_level("DEBUG") == L::debug));
    BOOST_TEST((slog::parse_level("Info") == L::info));
    BOOST_TEST((slog::parse_level("warn") == L::warn));
    BOOST_TEST((slog::parse_level("WARNING") == L::warn));
    BOOST_TEST((slog::parse_level("error") == L::error));
    for (std::string_view bad : {"", "information", "warnx", " info", "info ", "fatal", "err"}) {
        BOOST_TEST(!slog::parse_level(bad).has_value(), "accepted '" << bad << "'");
    }
}

BOOST_AUTO_TEST_CASE(parse_format_accepts_text_and_json_only) {
    BOOST_TEST((slog::parse_format("text") == slog::format::text));
    BOOST_TEST((slog::parse_format("JSON") == slog::format::json));
    for (std::string_view bad : {"", "txt", "jsonl", "logfmt"}) {
        BOOST_TEST(!slog::parse_format(bad).has_value(), "accepted '" << bad << "'");
    }
}

BOOST_AUTO_TEST_CASE(to_string_names_every_level_and_round_trips) {
    using L = slog::level;
    BOOST_TEST(slog::to_string(L::trace) == "trace");
    BOOST_TEST(slog::to_string(L::debug) == "debug");
    BOOST_TEST(slog::to_string(L::info) == "info");
    BOOST_TEST(slog::to_string(L::warn) == "warn");
    BOOST_TEST(slog::to_string(L::error) == "error");
    for (L l : {L::trace, L::debug, L::info, L::warn, L::error}) {
        BOOST_TEST((slog::parse_level(slog::to_string(l)) == l));
    }
}

BOOST_AUTO_TEST_CASE(format_timestamp_is_rfc3339_utc_with_microseconds) {
    using namespace std::chrono;
    sys_days day = year{2026} / November / 22;
    BOOST_TEST(slog::format_timestamp(day + 14h + 39min + 51s + 123456us) ==
               "2026-11-22T14:39:51.123456Z");
    // Sub-microsecond precision is truncated, and zero fractions are still printed.
    BOOST_TEST(slog::format_timestamp(day + 1s + 999ns) == "2026-11-22T00:00:01.000000Z");
    BOOST_TEST(slog::format_timestamp(system_clock::time_point{}) ==
               "1970-01-01T00:00:00.000000Z");
}

BOOST_AUTO_TEST_CASE(rate_limiter_admits_burst_then_counts_suppressed) {
    slog::rate_limiter limiter(1s, 3);
    auto const t0 = std::chrono::steady_clock::time_point{} + 100s;
    for (int i = 0; i < 3; ++i) {
        BOOST_TEST((limiter.admit(t0 + i * 1ms) == std::uint64_t{0}), "burst record " << i);
    }
    BOOST_TEST(!limiter.admit(t0 + 10ms).has_value());
    BOOST_TEST(!limiter.admit(t0 + 999ms).has_value());
    // Window over: the first pass reports the two dropped records, exactly once.
    BOOST_TEST((limiter.admit(t0 + 1s) == std::uint64_t{2}));
    BOOST_TEST((limiter.admit(t0 + 1s) == std::uint64_t{0}));
    BOOST_TEST((limiter.admit(t0 + 1s) == std::uint64_t{0}));
    BOOST_TEST(!limiter.admit(t0 + 1s).has_value());
    BOOST_TEST((limiter.admit(t0 + 5s) == std::uint64_t{1}));
}

BOOST_AUTO_TEST_CASE(rate_limiter_with_zero_burst_still_passes_one) {
    slog::rate_limiter limiter(1s, 0);
    auto const t0 = std::chrono::steady_clock::time_point{} + 100s;
    BOOST_TEST((limiter.admit(t0) == std::uint64_t{0}));
    BOOST_TEST(!limiter.admit(t0).has_value());
    BOOST_TEST((limiter.admit(t0 + 1s) == std::uint64_t{1}));
}

BOOST_AUTO_TEST_CASE(rate_limiter_counts_exactly_under_contention) {
    slog::rate_limiter limiter(1s, 5);
    auto const t0 = std::chrono::steady_clock::time_point{} + 100s;
    constexpr int threads = 4;
    constexpr int per_thread = 1000;
    std::atomic<int> passed{0};
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&] {
            for (int i = 0; i < per_thread; ++i) {
                if (limiter.admit(t0)) passed.fetch_add(1);
            }
        });
    }
    for (auto& w : workers) w.join();
    BOOST_TEST(passed.load() == 5);
    BOOST_TEST((limiter.admit(t0 + 1s) == std::uint64_t{threads * per_thread - 5}));
}

BOOST_AUTO_TEST_CASE(write_limited_adds_suppressed_field_to_next_passing_record) {
    capture cap(slog::level::trace, slog::format::json);
    slog::rate_limiter limiter(1h, 1);

    slog::write_limited(limiter, slog::level::warn, "ingest.tcp", "bad_frame", {{"n", 1}});
    // Drive the limiter into a window that ended an hour ago with two drops, so the
    // next real-clock call opens a new window without sleeping.
    auto const past = std::chrono::steady_clock::now() - 2h;
    slog::rate_limiter primed(1h, 1);
    BOOST_TEST_REQUIRE(primed.admit(past).has_value());
    BOOST_TEST_REQUIRE(!primed.admit(past).has_value());
    BOOST_TEST_REQUIRE(!primed.admit(past).has_value());
    slog::write_limited(primed, slog::level::warn, "ingest.tcp", "bad_frame", {{"n", 2}});
    slog::write_limited(primed, slog::level::warn, "ingest.tcp", "bad_frame", {{"n", 3}});
    // Filtered records must not use up the burst.
    slog::init(slog::level::error, slog::format::json, &cap.out);
    slog::rate_limiter fresh(1h, 1);
    slog::write_limited(fresh, slog::level::warn, "ingest.tcp", "bad_frame", {{"n", 4}});
    BOOST_TEST((fresh.admit() == std::uint64_t{0}));

    auto lines = cap.lines();
    BOOST_TEST_REQUIRE(lines.size() == 2u);
    auto first = boost::json::parse(lines[0]).as_object();
    BOOST_TEST(first.at("n").as_int64() == 1);
    BOOST_TEST(!first.contains("suppressed"));
    auto second = boost::json::parse(lines[1]).as_object();
    BOOST_TEST(second.at("n").as_int64() == 2);
    BOOST_TEST(second.at("suppressed").to_number<std::uint64_t>() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()
