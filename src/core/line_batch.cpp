#include "sightline/core/line_batch.hpp"

#include <algorithm>

#include <stdexcept>

namespace sightline {

void line_batch::append(std::string_view text, tag_id tag) {
    if (bytes->size() + text.size() > UINT32_MAX) throw std::length_error("line_batch larger than 4 GiB");
    lines.push_back({static_cast<std::uint32_t>(bytes->size()), static_cast<std::uint32_t>(text.size()), tag});
    bytes->append(text);
}

void line_batch::append_event(std::string_view text, tag_id tag, std::uint64_t line_id,
                              std::span<const field_view> event_fields) {
    if (bytes->size() + text.size() > UINT32_MAX) throw std::length_error("line_batch larger than 4 GiB");
    if (event_fields.size() > max_fields_per_line) throw std::length_error("more than max_fields_per_line fields");
    const auto text_offset = static_cast<std::uint32_t>(bytes->size());
    line_ref ref{text_offset, static_cast<std::uint32_t>(text.size()), tag, static_cast<std::uint16_t>(event_fields.size()),
                 0, line_id};
    bytes->append(text);
    if (!event_fields.empty()) {
        if (!fields) fields = std::make_shared<std::vector<stored_field>>();
        ref.fields_begin = static_cast<std::uint32_t>(fields->size());
        for (const auto& f : event_fields) {
            stored_field s;
            s.key = f.key;
            s.kind = f.value.kind;
            if (f.value.literal) {
                s.length = static_cast<std::uint32_t>(f.value.text.size());
                s.literal = true;
                s.literal_text = f.value.text.data();
            } else if (f.value.has_text()) {
                auto v = f.value.text;
                s.length = static_cast<std::uint32_t>(v.size());
                if (v.data() >= text.data() && v.data() + v.size() <= text.data() + text.size()) {
                    s.offset = text_offset + static_cast<std::uint32_t>(v.data() - text.data());  // a slice of the line
                } else {
                    if (bytes->size() + v.size() > UINT32_MAX) throw std::length_error("line_batch larger than 4 GiB");
                    s.offset = static_cast<std::uint32_t>(bytes->size());
                    bytes->append(v);
                }
            } else if (f.value.kind == value_kind::integer) {
                s.integer = f.value.integer;
            } else if (f.value.kind == value_kind::floating) {
                s.floating = f.value.floating;
            } else if (f.value.kind == value_kind::boolean) {
                s.boolean = f.value.boolean;
            }
            fields->push_back(s);
        }
    }
    lines.push_back(ref);
}

void line_batch::append_line_of(const line_batch& other, std::size_t i) {
    thread_local std::vector<field_view> views;
    other.views_of(i, views);
    append_event(other.text(i), other.lines[i].tag, other.lines[i].line_id, views);
}

field_value line_batch::value_of(const stored_field& f) const {
    field_value v;
    v.kind = f.kind;
    switch (f.kind) {
    case value_kind::string:
    case value_kind::json:
        if (f.literal) {
            v.literal = true;
            v.text = {f.literal_text, f.length};
        } else {
            v.text = std::string_view(*bytes).substr(f.offset, f.length);
        }
        break;
    case value_kind::integer: v.integer = f.integer; break;
    case value_kind::floating: v.floating = f.floating; break;
    case value_kind::boolean: v.boolean = f.boolean; break;
    case value_kind::null: break;
    }
    return v;
}

void line_batch::views_of(std::size_t i, std::vector<field_view>& out) const {
    out.clear();
    for (const auto& f : fields_of(i)) out.push_back({f.key, value_of(f)});
}

bool line_batch::find_field(std::size_t i, key_id key, field_value& out) const {
    for (const auto& f : fields_of(i))
        if (f.key == key) {
            out = value_of(f);
            return true;
        }
    return false;
}

void line_batch::make_bytes_unique() {
    if (bytes.use_count() != 1) bytes = std::make_shared<std::string>(*bytes);
}

void line_batch::keep_receipts(const std::vector<receipt>& others) {
    for (const auto& r : others)
        if (std::find(receipts.begin(), receipts.end(), r) == receipts.end()) receipts.push_back(r);
}

line_batch line_batch::branch() const {
    line_batch b;
    b.bytes = bytes;
    b.lines = lines;
    b.fields = fields;
    b.source = source;
    b.received_us = received_us;
    b.end_of_stream = end_of_stream;
    b.receipts = receipts;
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
