#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sightline {

/// One line of the dead-letter file (README "Dead letter"), for a line that failed at a
/// stage or at a sink: {"timestamp","stage","error_type","error","line","line_id"?}. A
/// line that is not valid UTF-8 has its invalid sequences replaced (U+FFFD) in "line"
/// and its exact bytes in "line_base64".
std::string dead_letter_record(std::string_view timestamp, std::string_view stage, std::string_view error_type,
                               std::string_view error, std::string_view line, std::optional<std::uint64_t> line_id);

/// A dead-letter record read back (a `dead_letter` source replays it).
struct dead_letter_entry {
    std::string timestamp;
    std::string stage;
    std::string error_type;
    std::string error;
    std::string line;  // the original bytes: line_base64 decoded when the record has it
    std::optional<std::uint64_t> line_id;
};

/// Parses one line of a dead-letter file; nullopt with `error` saying why when it is not
/// a record dead_letter_record() writes (not JSON, no "line", a bad line_base64 or line_id).
std::optional<dead_letter_entry> parse_dead_letter_record(std::string_view text, std::string& error);

}  // namespace sightline
