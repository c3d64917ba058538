#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "sightline/core/line_batch.hpp"

namespace sightline {

/// Cuts a byte stream into lines. LF and CRLF end a line (the CR is stripped), empty
/// lines are lines, bytes are passed through untouched (invalid UTF-8 and NUL
/// included). A line longer than `max_line_bytes` is cut to that length and the rest
/// skipped up to the next newline, so a peer that never sends a newline costs at most
/// `max_line_bytes` of memory.
class line_splitter {
public:
    /// Default for every source's `max_line_bytes`.
    static constexpr std::size_t default_max_line_bytes = 65536;

    explicit line_splitter(std::size_t max_line_bytes = default_max_line_bytes);

    /// Appends every line completed by `data` to `out`; keeps the unfinished tail.
    void feed(std::string_view data, line_batch& out);
    /// End of stream: a final line without a newline (if any) goes to `out`.
    void finish(line_batch& out);

    /// Lines cut at `max_line_bytes` so far.
    std::uint64_t truncated() const { return truncated_; }
    /// Bytes held for an unfinished line.
    std::size_t pending_bytes() const { return partial_.size(); }
    /// True while a line longer than the limit is being skipped.
    bool skipping() const { return skipping_; }

private:
    /// Adds a fragment of the current line, truncating at the limit.
    void add_fragment(std::string_view fragment);

    std::size_t max_line_bytes_;
    std::string partial_;
    bool skipping_ = false;     // the current line already hit the limit
    std::uint64_t truncated_ = 0;
};

}  // namespace sightline
