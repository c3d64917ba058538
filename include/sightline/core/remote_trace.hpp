#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sightline/core/trace_record.hpp"

namespace sightline {

/// A traced line's path so far, as it travels in a message header to the next
/// Sightline (README "A line traced across machines"). JSON, one entry per traced line
/// of the message: {"i": index in the message, "id": line_id, "src": source, "o": the
/// original content, "c": cut, "p": [[stage, status, unix_us, duration_us, tag,
/// detail], ...]}. Step names of the sender are prefixed with its origin ("host/").
std::string encode_remote_traces(const std::vector<std::pair<std::uint32_t, const trace_record*>>& traces,
                                 std::string_view origin);

/// A decoded entry: the line's index in the message and its record so far.
struct remote_trace {
    std::uint32_t index = 0;
    trace_ptr record;
};

/// Decodes a header written by encode_remote_traces; malformed entries are skipped.
/// Names are interned (remote_name), so steps stay views like local ones.
std::vector<remote_trace> decode_remote_traces(std::string_view header);

/// A long-lived copy of a name that came from another process (step and source names
/// of remote traces). At most 4096 distinct names are kept; past that "remote" stands in.
std::string_view remote_name(std::string_view name);

}  // namespace sightline
