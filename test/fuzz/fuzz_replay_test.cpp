// Every seed of test/fuzz/corpus/<target>/ and every saved crash of
// test/fuzz/regressions/<target>/ through its fuzz target, in the ordinary unit tests:
// so each build flavour (g++, ASan, TSan) checks them, not only the clang fuzz build.
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "fuzz_targets.hpp"

namespace fs = std::filesystem;

namespace {

/// Runs every file under corpus/<name>/ and regressions/<name>/; returns how many.
std::size_t replay(const std::string& name, const std::function<void(std::string_view)>& target) {
    std::size_t count = 0;
    for (const char* kind : {"corpus", "regressions"}) {
        fs::path dir = fs::path(SIGHTLINE_FUZZ_DIR) / kind / name;
        if (!fs::is_directory(dir)) continue;
        for (const auto& entry : fs::directory_iterator(dir)) {
            std::ifstream in(entry.path(), std::ios::binary);
            std::stringstream bytes;
            bytes << in.rdbuf();
            try {
                target(bytes.str());
            } catch (const std::exception& e) {
                BOOST_ERROR(entry.path().string() << ": " << e.what());
            }
            ++count;
        }
    }
    return count;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fuzz_replay)

BOOST_AUTO_TEST_CASE(line_splitter_seeds_and_regressions_hold) {
    BOOST_TEST(replay("line_splitter", sightline::fuzz::line_splitter_input) > 0u);
}

BOOST_AUTO_TEST_CASE(config_seeds_and_regressions_hold) {
    BOOST_TEST(replay("config", sightline::fuzz::config_input) > 0u);
}

BOOST_AUTO_TEST_CASE(http_request_seeds_and_regressions_hold) {
    BOOST_TEST(replay("http_request", sightline::fuzz::http_request_input) > 0u);
}

BOOST_AUTO_TEST_CASE(client_message_seeds_and_regressions_hold) {
    BOOST_TEST(replay("client_message", sightline::fuzz::client_message_input) > 0u);
}

BOOST_AUTO_TEST_CASE(frame_splitter_seeds_and_regressions_hold) {
    BOOST_TEST(replay("frame_splitter", sightline::fuzz::frame_splitter_input) > 0u);
}

BOOST_AUTO_TEST_CASE(parser_seeds_and_regressions_hold) {
    BOOST_TEST(replay("parse_syslog", sightline::fuzz::parse_syslog_input) > 0u);
    BOOST_TEST(replay("parse_json", sightline::fuzz::parse_json_input) > 0u);
    BOOST_TEST(replay("parse_logfmt", sightline::fuzz::parse_logfmt_input) > 0u);
    BOOST_TEST(replay("parse_regex", sightline::fuzz::parse_regex_input) > 0u);
}

BOOST_AUTO_TEST_SUITE_END()
