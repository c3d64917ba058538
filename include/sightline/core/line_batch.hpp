#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sightline/core/event_field.hpp"
#include "sightline/core/trace_record.hpp"

namespace sightline {

/// Interned tag of a line (see tag_table); 0 means "no tag yet".
using tag_id = std::uint16_t;

/// Something a source waits for (its acknowledgement to the sender): held by every
/// batch that carries lines it covers, and released when the last one lets go.
using receipt = std::shared_ptr<const void>;

/// Where one line lives inside a batch's byte buffer (the newline is not included),
/// and where its fields are in the batch's field list.
struct line_ref {
    std::uint32_t offset = 0;
    std::uint32_t length = 0;
    tag_id tag = 0;
    std::uint16_t field_count = 0;
    std::uint32_t fields_begin = 0;
    /// Process-wide unique id, given when the line left its source (0: none yet).
    std::uint64_t line_id = 0;
};

/// A run of lines travelling together between stages: one contiguous byte buffer plus
/// line positions, and the lines' fields. Batches that only select or re-tag lines share
/// the buffer and the field list; they are copied only when a stage changes what
/// someone else holds. A field's text is a slice of the same buffer (of its line, when
/// a parser cut it from there), so fields cost no allocation of their own.
struct line_batch {
    std::shared_ptr<std::string> bytes = std::make_shared<std::string>();
    std::vector<line_ref> lines;
    /// Every line's fields, line after line (null while no line has any).
    std::shared_ptr<std::vector<stored_field>> fields;
    /// The source the lines came from (a view of its id) and when they left it.
    std::string_view source;
    std::int64_t received_us = 0;
    /// The sampled lines of this batch, by ascending index (usually empty).
    std::vector<traced_line> traces;
    /// What the lines' source waits for before it acknowledges them to their sender (a
    /// NATS source's messages). Every batch made from this one keeps them, and a sink
    /// keeps them until its lines are written or acknowledged, so the last release means
    /// every line reached a sink or the dead letter, or was dropped (end to end).
    std::vector<receipt> receipts;
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
    /// Appends a line with fields: text and field values are copied (a value that is a
    /// slice of `text` stays a slice of the copy). Buffer and field list must not be shared.
    void append_event(std::string_view text, tag_id tag, std::uint64_t line_id, std::span<const field_view> fields);
    /// Appends line `i` of `other` with its fields, tag and id.
    void append_line_of(const line_batch& other, std::size_t i);
    /// Stored fields of line `i`.
    std::span<const stored_field> fields_of(std::size_t i) const {
        if (!fields || lines[i].field_count == 0) return {};
        return {fields->data() + lines[i].fields_begin, lines[i].field_count};
    }
    /// A stored field as a value (text viewed in this batch's bytes).
    field_value value_of(const stored_field& f) const;
    /// Line `i`'s fields as views, into `out` (cleared first).
    void views_of(std::size_t i, std::vector<field_view>& out) const;
    /// The value of field `key` of line `i`, or nullptr-like kind null with found=false.
    bool find_field(std::size_t i, key_id key, field_value& out) const;
    /// True when any line has fields.
    bool has_fields() const { return fields && !fields->empty(); }
    /// Keeps `others` too (those not held already).
    void keep_receipts(const std::vector<receipt>& others);
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
