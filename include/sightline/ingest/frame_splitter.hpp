#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "sightline/core/line_batch.hpp"
#include "sightline/ingest/line_splitter.hpp"

namespace sightline {

/// How a TCP stream is cut into messages.
enum class framing {
    newline,        // one message per line (LF or CRLF)
    octet_counted,  // RFC 6587 §3.4.1: "MSG-LEN SP MSG", as logger --octet-count, rsyslog and syslog-ng send
    automatic       // decided per connection from its first bytes
};

/// Parses "newline", "octet_counted" or "auto"; false for anything else.
bool parse_framing(std::string_view name, framing& out);

/// Cuts one connection's byte stream into messages by its framing. Octet-counted frames
/// may hold newlines (they stay in the message). A frame longer than `max_line_bytes` is
/// cut like a long line (counted as truncated). A frame header that is not a length
/// (`bad_frames`) loses the framing: the bytes up to the next newline are delivered as
/// one line, so nothing the peer sent disappears, and framing starts again after it.
/// `automatic` reads octet counting when the stream starts with digits, a space and
/// '<' (a syslog PRI); anything else is newline-framed, so `nc` lines work too.
class frame_splitter {
public:
    frame_splitter(framing f, std::size_t max_line_bytes);

    /// Appends every message completed by `data` to `out`.
    void feed(std::string_view data, line_batch& out);
    /// End of stream: an unfinished message (if any) goes to `out`; an unfinished
    /// octet-counted frame counts as a bad frame.
    void finish(line_batch& out);

    std::uint64_t truncated() const { return lines_.truncated() + truncated_; }
    std::uint64_t bad_frames() const { return bad_frames_; }
    /// The framing in use (automatic until the first bytes decided it).
    framing current() const { return mode_; }

private:
    /// In automatic mode: decides from the bytes seen so far; false while undecided.
    bool decide(std::string_view data);
    void feed_octet_counted(std::string_view data, line_batch& out);
    /// Adds bytes to the message being assembled, cut at max_line_bytes.
    void add_body(std::string_view part);
    void finish_message(line_batch& out);

    enum class state { header, body, resync };
    framing mode_;
    std::size_t max_line_bytes_;
    line_splitter lines_;
    std::string undecided_;  // automatic: the first bytes, until they decide
    state state_ = state::header;
    std::uint64_t length_ = 0;     // of the frame being read
    std::size_t digits_ = 0;       // of its header so far
    std::uint64_t remaining_ = 0;  // body bytes still to come
    std::string message_;
    bool cut_ = false;  // the current message was cut at max_line_bytes
    std::uint64_t truncated_ = 0;
    std::uint64_t bad_frames_ = 0;
};

}  // namespace sightline
