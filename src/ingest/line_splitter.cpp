#include "sightline/ingest/line_splitter.hpp"

#include <cstring>
#include <stdexcept>

namespace sightline {

line_splitter::line_splitter(std::size_t max_line_bytes) : max_line_bytes_(max_line_bytes) {
    if (max_line_bytes_ == 0) throw std::invalid_argument("max_line_bytes must be at least 1");
}

void line_splitter::add_fragment(std::string_view fragment) {
    if (skipping_) return;
    // One extra byte is kept past the limit so a CR right before the newline can still
    // be recognised; it is cut again when the line ends.
    std::size_t room = max_line_bytes_ + 1 - partial_.size();
    if (fragment.size() > room) {
        partial_.append(fragment.substr(0, room));
        skipping_ = true;
        return;
    }
    partial_.append(fragment);
}

void line_splitter::feed(std::string_view data, line_batch& out) {
    // One allocation for the whole chunk instead of a dozen doublings (each a copy into
    // fresh pages). libstdc++'s reserve still grows geometrically across small feeds.
    out.bytes->reserve(out.bytes->size() + partial_.size() + data.size());
    const char* p = data.data();
    const char* end = p + data.size();
    while (p < end) {
        const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
        if (!nl) {
            add_fragment(std::string_view(p, static_cast<std::size_t>(end - p)));
            return;
        }
        std::string_view piece(p, static_cast<std::size_t>(nl - p));
        if (partial_.empty() && !skipping_ && piece.size() <= max_line_bytes_ + 1) {
            // Fast path: the whole line is inside this chunk.
            std::string_view line = piece;
            if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
            if (line.size() > max_line_bytes_) {
                ++truncated_;
                line = line.substr(0, max_line_bytes_);
            }
            out.append(line);
        } else {
            add_fragment(piece);
            std::string_view line = partial_;
            if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
            if (line.size() > max_line_bytes_ || skipping_) {
                ++truncated_;
                line = line.substr(0, std::min(line.size(), max_line_bytes_));
            }
            out.append(line);
            partial_.clear();
            skipping_ = false;
        }
        p = nl + 1;
    }
}

void line_splitter::finish(line_batch& out) {
    if (partial_.empty() && !skipping_) return;
    std::string_view line = partial_;
    if (line.size() > max_line_bytes_ || skipping_) {
        ++truncated_;
        line = line.substr(0, std::min(line.size(), max_line_bytes_));
    }
    // A final CR without LF is content, not a line ending.
    out.append(line);
    partial_.clear();
    skipping_ = false;
}

}  // namespace sightline
