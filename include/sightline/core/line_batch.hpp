#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sightline/core/trace_record.hpp"

namespace sightline {

/// Interned tag of a line (see tag_table); 0 means "no tag yet".
using tag_id = std::uint16_t;

/// Where one line lives inside a batch's byte buffer (the newline is not included).
struct line_ref {
    std::uint32_t offset = 0;
    std::uint32_t length = 0;
    tag_id tag = 0;
};

/// A run of lines travelling together between stages: one contiguous byte buffer plus
/// line positions. Batches that only select or re-tag lines share the buffer; the
/// buffer is copied only when a stage needs to change bytes that someone else holds.
struct line_batch {
    std::shared_ptr<std::string> bytes = std::make_shared<std::string>();
    std::vector<line_ref> lines;
    /// The sampled lines of this batch, by ascending index (usually empty).
    std::vector<traced_line> traces;
    /// Set on the one message a producer sends last; carries no lines.
    bool end_of_stream = false;

    /// Text of line `i`.
    std::string_view text(std::size_t i) const {
        return std::string_view(*bytes).substr(lines[i].offset, lines[i].length);
    }
    /// Number of lines.
    std::size_t size() const { return lines.size(); }
    bool empty() const { return lines.empty(); }
    /// Appends a copy of `text` as a new line; the buffer must not be shared.
    void append(std::string_view text, tag_id tag = 0);
    /// Makes the byte buffer exclusively ours (copying it if anyone else holds it).
    void make_bytes_unique();
    /// Total bytes of line content (newlines excluded).
    std::uint64_t content_bytes() const;
    /// A copy for another branch of a fan-out: line positions copied, bytes shared,
    /// trace records cloned (each branch writes its own path).
    line_batch branch() const;
    /// The end-of-stream marker.
    static line_batch eos() {
        line_batch b;
        b.end_of_stream = true;
        return b;
    }
};

}  // namespace sightline
