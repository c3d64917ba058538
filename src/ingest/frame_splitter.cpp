#include "sightline/ingest/frame_splitter.hpp"

namespace sightline {

namespace {
bool digit(char c) { return c >= '0' && c <= '9'; }
/// A length has at most 9 digits: frames are far below 1 GB.
constexpr std::size_t max_length_digits = 9;
}  // namespace

bool parse_framing(std::string_view name, framing& out) {
    if (name == "newline") out = framing::newline;
    else if (name == "octet_counted") out = framing::octet_counted;
    else if (name == "auto") out = framing::automatic;
    else return false;
    return true;
}

frame_splitter::frame_splitter(framing f, std::size_t max_line_bytes)
    : mode_(f), max_line_bytes_(max_line_bytes), lines_(max_line_bytes) {}

bool frame_splitter::decide(std::string_view data) {
    // "123 <": digits, one space, a PRI. Anything that cannot grow into that is newline.
    std::size_t i = 0;
    while (i < data.size() && digit(data[i]) && i <= max_length_digits) ++i;
    if (i == data.size()) {
        if (i > 0 && data[0] == '0') mode_ = framing::newline;
        else if (i > max_length_digits) mode_ = framing::newline;
        return mode_ != framing::automatic;  // only digits so far: wait for more
    }
    if (i == 0 || data[0] == '0' || data[i] != ' ') {
        mode_ = framing::newline;
        return true;
    }
    if (i + 1 == data.size()) return false;  // "123 ": the next byte decides
    mode_ = data[i + 1] == '<' ? framing::octet_counted : framing::newline;
    return true;
}

void frame_splitter::feed(std::string_view data, line_batch& out) {
    if (mode_ == framing::automatic) {
        undecided_.append(data);
        if (!decide(undecided_)) {
            if (undecided_.size() <= max_length_digits + 2) return;
            mode_ = framing::newline;
        }
        std::string first = std::move(undecided_);
        undecided_.clear();
        feed(first, out);
        return;
    }
    if (mode_ == framing::newline)
        lines_.feed(data, out);
    else
        feed_octet_counted(data, out);
}

void frame_splitter::add_body(std::string_view part) {
    if (cut_) return;
    if (message_.size() + part.size() > max_line_bytes_) {
        message_.append(part.substr(0, max_line_bytes_ - message_.size()));
        cut_ = true;
        ++truncated_;
        return;
    }
    message_.append(part);
}

namespace {
/// A frame's message without the newline many senders end it with (rsyslog's
/// RSYSLOG_SyslogProtocol23Format does): a line never holds its own line break.
std::string_view without_line_end(std::string_view m) {
    if (!m.empty() && m.back() == '\n') m.remove_suffix(1);
    if (!m.empty() && m.back() == '\r') m.remove_suffix(1);
    return m;
}
}  // namespace

void frame_splitter::finish_message(line_batch& out) {
    out.append(without_line_end(message_));
    message_.clear();
    cut_ = false;
}

void frame_splitter::feed_octet_counted(std::string_view data, line_batch& out) {
    std::size_t i = 0;
    while (i < data.size()) {
        switch (state_) {
        case state::header: {
            char c = data[i];
            if (digits_ == 0 && (c == '\n' || c == '\r')) {  // a sender's newline between frames
                ++i;
                break;
            }
            if (digit(c) && !(digits_ == 0 && c == '0') && digits_ < max_length_digits) {
                length_ = length_ * 10 + static_cast<std::uint64_t>(c - '0');
                ++digits_;
                ++i;
                break;
            }
            if (c == ' ' && digits_ > 0) {
                remaining_ = length_;
                state_ = state::body;
                ++i;
                break;
            }
            // Not a length: the framing is lost. Keep the header bytes seen so far and
            // what follows up to a newline as one line, then look for a header again.
            ++bad_frames_;
            if (digits_ > 0) add_body(std::to_string(length_));
            length_ = 0;
            digits_ = 0;
            state_ = state::resync;
            break;
        }
        case state::body: {
            auto take = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, data.size() - i));
            // The common case, a whole frame in this read: straight into the batch.
            if (message_.empty() && !cut_ && take == remaining_ && take <= max_line_bytes_) {
                out.append(without_line_end(data.substr(i, take)));
            } else {
                add_body(data.substr(i, take));
                if (take == remaining_) finish_message(out);
            }
            i += take;
            remaining_ -= take;
            if (remaining_ == 0) {
                state_ = state::header;
                length_ = 0;
                digits_ = 0;
            }
            break;
        }
        case state::resync: {
            auto nl = data.find('\n', i);
            auto end = nl == std::string_view::npos ? data.size() : nl;
            // Bytes kept as they are (a CR too): they are what the peer sent, not a line.
            add_body(data.substr(i, end - i));
            if (nl == std::string_view::npos) {
                i = data.size();
            } else {
                finish_message(out);
                state_ = state::header;
                i = nl + 1;
            }
            break;
        }
        }
    }
}

void frame_splitter::finish(line_batch& out) {
    if (mode_ == framing::automatic) {
        mode_ = framing::newline;  // too few bytes to tell: a short plain line
        std::string first = std::move(undecided_);
        undecided_.clear();
        lines_.feed(first, out);
    }
    if (mode_ == framing::newline) {
        lines_.finish(out);
        return;
    }
    if (state_ == state::body || (state_ == state::header && digits_ > 0)) {
        ++bad_frames_;  // the peer left inside a frame: what it sent is still a line
        if (state_ == state::header) add_body(std::to_string(length_));
        finish_message(out);
    } else if (state_ == state::resync) {
        finish_message(out);
    }
    state_ = state::header;
    length_ = 0;
    digits_ = 0;
}

}  // namespace sightline
