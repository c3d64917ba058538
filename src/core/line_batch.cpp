#include "sightline/core/line_batch.hpp"

#include <stdexcept>

namespace sightline {

void line_batch::append(std::string_view text, tag_id tag) {
    if (bytes->size() + text.size() > UINT32_MAX) throw std::length_error("line_batch larger than 4 GiB");
    lines.push_back({static_cast<std::uint32_t>(bytes->size()), static_cast<std::uint32_t>(text.size()), tag});
    bytes->append(text);
}

void line_batch::make_bytes_unique() {
    if (bytes.use_count() != 1) bytes = std::make_shared<std::string>(*bytes);
}

line_batch line_batch::branch() const {
    line_batch b;
    b.bytes = bytes;
    b.lines = lines;
    b.end_of_stream = end_of_stream;
    b.traces.reserve(traces.size());
    for (const auto& t : traces) b.traces.push_back({t.index, make_trace_record(*t.record)});
    return b;
}

std::uint64_t line_batch::content_bytes() const {
    std::uint64_t n = 0;
    for (const auto& l : lines) n += l.length;
    return n;
}

}  // namespace sightline
