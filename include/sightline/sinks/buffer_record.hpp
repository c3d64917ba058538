#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "sightline/core/line_batch.hpp"
#include "sightline/core/tag_table.hpp"

namespace sightline {

/// One batch as a disk buffer stores it: every line with its text, line_id, tag name
/// and typed fields, and the batch's source and receive time, so a line delivered
/// after a restart is the line that was accepted. Framed with a length and a CRC-32 so
/// a torn or garbled tail is detected, never delivered:
///
///     "SLB1" | payload length (u32 LE) | CRC-32 of the payload (u32 LE) | payload
///
/// Asio-free; unit-tested on its own (test/sinks/buffer_record_test.cpp).
struct buffer_record {
    static constexpr std::size_t header_bytes = 12;
    static constexpr std::uint32_t max_payload = 256u * 1024 * 1024;

    /// Appends the framed record of `batch` to `out`. `tags` names tags (may be null).
    static void encode(const line_batch& batch, const tag_table* tags, std::string& out);

    /// What the bytes at the start of a record say: a whole header, one cut short, or no header.
    enum class header_state { whole, incomplete, bad };
    /// Reads a header from `available` (the caller checks that the payload follows).
    static header_state read_header(std::string_view available, std::uint32_t& payload_bytes, std::uint32_t& crc);
    /// True when `payload` has the checksum `crc`.
    static bool check(std::string_view payload, std::uint32_t crc);
    /// Decodes a checked payload into `out` (cleared first); false when it is malformed.
    /// Tags are looked up by name in `tags` (0 when unknown or null); the source name is
    /// interned (remote_name) so the batch's view of it stays valid.
    static bool decode(std::string_view payload, const tag_table* tags, line_batch& out);
    /// The number of lines a checked payload holds (without decoding it).
    static std::uint32_t line_count(std::string_view payload);
};

}  // namespace sightline
