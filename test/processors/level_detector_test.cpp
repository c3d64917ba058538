#include "sightline/processors/level_detector.hpp"

#include <boost/test/unit_test.hpp>

#include <string>
#include <string_view>

using sightline::detect_level;
using sightline::log_level;

namespace {

/// Name of a level, so failures print something readable.
std::string level_name(log_level l) {
    switch (l) {
    case log_level::none: return "none";
    case log_level::error: return "error";
    case log_level::warn: return "warn";
    case log_level::info: return "info";
    case log_level::debug: return "debug";
    }
    return "?";
}

std::string detect(std::string_view line) { return level_name(detect_level(line)); }

}  // namespace

BOOST_AUTO_TEST_SUITE(level_detector_tests)

BOOST_AUTO_TEST_CASE(upper_case_level_words_map_to_their_level) {
    BOOST_TEST(detect("ERROR disk failed") == "error");
    BOOST_TEST(detect("ERR disk failed") == "error");
    BOOST_TEST(detect("FATAL out of memory") == "error");
    BOOST_TEST(detect("CRITICAL temperature") == "error");
    BOOST_TEST(detect("CRIT temperature") == "error");
    BOOST_TEST(detect("WARN low disk") == "warn");
    BOOST_TEST(detect("WARNING low disk") == "warn");
    BOOST_TEST(detect("INFO started") == "info");
    BOOST_TEST(detect("DEBUG x=1") == "debug");
    BOOST_TEST(detect("TRACE enter f()") == "debug");
}

BOOST_AUTO_TEST_CASE(level_words_are_found_anywhere_between_separators) {
    BOOST_TEST(detect("2024-01-01T00:00:00Z [WARN] slow request") == "warn");
    BOOST_TEST(detect("svc:ERROR:boom") == "error");
    BOOST_TEST(detect("\tINFO") == "info");
}

BOOST_AUTO_TEST_CASE(first_level_word_wins) {
    BOOST_TEST(detect("INFO retrying after ERROR") == "info");
    BOOST_TEST(detect("ERROR while logging INFO") == "error");
    BOOST_TEST(detect("DEBUG WARN ERROR") == "debug");
}

BOOST_AUTO_TEST_CASE(lower_case_bare_words_are_not_levels) {
    BOOST_TEST(detect("no error found") == "none");
    BOOST_TEST(detect("a warning about info and debug") == "none");
    BOOST_TEST(detect("Error: mixed case is not a level word") == "none");
}

BOOST_AUTO_TEST_CASE(key_value_pairs_work_in_any_case) {
    BOOST_TEST(detect("ts=1 level=Warn msg=slow") == "warn");
    BOOST_TEST(detect("lvl=ERROR msg=x") == "error");
    BOOST_TEST(detect("severity=\"info\" msg=x") == "info");
    BOOST_TEST(detect("LEVEL=debug") == "debug");
    BOOST_TEST(detect("Severity=critical") == "error");
    BOOST_TEST(detect("level=warning") == "warn");
    BOOST_TEST(detect("level=trace") == "debug");
}

BOOST_AUTO_TEST_CASE(key_value_with_unknown_value_is_not_a_level) {
    BOOST_TEST(detect("level=verbose msg=error") == "none");
    BOOST_TEST(detect("level= error") == "none");
    BOOST_TEST(detect("level=errors") == "none");
}

BOOST_AUTO_TEST_CASE(other_keys_do_not_carry_levels) {
    BOOST_TEST(detect("status=error code=5") == "none");
    BOOST_TEST(detect("mylevel=error") == "none");
}

BOOST_AUTO_TEST_CASE(level_words_must_be_whole_words) {
    BOOST_TEST(detect("ERRORS happened") == "none");
    BOOST_TEST(detect("XINFO data") == "none");
    BOOST_TEST(detect("INFO2 data") == "none");
    BOOST_TEST(detect("MY_WARN flag") == "none");
    BOOST_TEST(detect("ERROR_CODE=5") == "none");
    BOOST_TEST(detect("WARNINGS: 3") == "none");
}

BOOST_AUTO_TEST_CASE(empty_and_punctuation_only_lines_have_no_level) {
    BOOST_TEST(detect("") == "none");
    BOOST_TEST(detect("  --- ::: ---  ") == "none");
}

// Regression: only the exact keys level, lvl and severity name a level.
BOOST_AUTO_TEST_CASE(keys_that_only_start_with_level_are_not_level_keys) {
    BOOST_TEST(detect("levelxyz=error") == "none");
    BOOST_TEST(detect("lvl_a=warn") == "none");
    BOOST_TEST(detect("lvlstate=info") == "none");
}

BOOST_AUTO_TEST_SUITE_END()
