#pragma once
// The fuzz targets as plain functions: libfuzzer_entry.cpp wraps one of them for a
// clang libFuzzer binary, and fuzz_replay_test.cpp runs every seed and regression input
// through all of them in the ordinary unit tests (every build flavour).
#include <stdexcept>
#include <string>
#include <string_view>

namespace sightline::fuzz {

/// A broken invariant: thrown so that libFuzzer reports a crash (uncaught) and
/// Boost.Test reports a failure naming it.
struct invariant_broken : std::logic_error {
    using std::logic_error::logic_error;
};

inline void check(bool ok, const std::string& what) {
    if (!ok) throw invariant_broken(what);
}

/// Line framing: chunked feeding must give exactly the lines of a one-shot reference
/// split, each within max_line_bytes, holding at most max_line_bytes + 1 bytes.
void line_splitter_input(std::string_view data);
/// Config text: parse_config, then graph and processor validation when it parses.
void config_input(std::string_view data);
/// Raw bytes on the HTTP port: Beast's request parser with the server's limits, then
/// the router and static file resolution, which must never leave the static root.
void http_request_input(std::string_view data);
/// A WebSocket client's message: the parser never throws, and every error it returns
/// is short, valid UTF-8 (it goes back in a text frame).
void client_message_input(std::string_view data);
/// Stream framing: chunked feeding gives exactly what one feed gives, in every framing.
void frame_splitter_input(std::string_view data);
/// The parsers (parsers_fuzz.cpp): one outcome per line, fields inside their batch, the
/// json format valid JSON; parse_json agrees with Boost.JSON's DOM parser.
void parse_syslog_input(std::string_view data);
void parse_json_input(std::string_view data);
void parse_logfmt_input(std::string_view data);
void parse_regex_input(std::string_view data);

}  // namespace sightline::fuzz
