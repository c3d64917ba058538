#pragma once
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sightline/core/byte_arena.hpp"
#include "sightline/core/drop_reason.hpp"
#include "sightline/core/line_batch.hpp"

namespace sightline {

class batch_runner;

/// The one line a processor is looking at, and what it decides to do with it.
/// Exactly one outcome per line: emit (to one or more ports, possibly changed), drop
/// with a reason, or fail with a message. Calls after a drop or failure are ignored.
class line_context {
public:
    /// Current content of the line (without newline).
    std::string_view text() const { return text_; }
    /// Current tag (0 when untagged).
    tag_id tag() const { return tag_; }
    /// Replaces the tag; emitted copies carry it.
    void set_tag(tag_id t) { tag_ = t; }
    /// The line's bytes, to change without changing the length. Only for processors
    /// whose mutates_in_place() is true. In place when the batch has no fields; else on
    /// a copy, so the fields cut from the line keep their values.
    std::span<char> mutable_text();
    /// The line's process-wide id.
    std::uint64_t line_id() const;
    /// The source the line came from, and when it left it (Unix microseconds).
    std::string_view source() const;
    std::int64_t received_us() const;

    /// True when the line has at least one field.
    bool has_fields() const;
    /// The value of field `key`; false when the line has no such field.
    bool field(key_id key, field_value& out) const;
    /// Every field of the line, in order.
    std::span<const field_view> fields();
    /// Adds field `key`, or replaces its value. Text that is not a slice of the line is
    /// copied, so the caller may reuse its buffer at once.
    void set_field(key_id key, field_value value);
    /// Sets many fields at once (a parser's): like set_field for each, but the text is
    /// not copied, so it must stay valid until the line is emitted.
    void add_fields(std::span<const field_view> fields);
    /// Removes field `key`; false when there was none.
    bool remove_field(key_id key);
    /// Renames field `from` to `to` (replacing `to`); false when `from` is absent.
    bool rename_field(key_id from, key_id to);
    /// Counts a parse failure of this line by `reason`, and records it for /errors
    /// (whatever the parser then does with the line: fail, keep or drop it).
    void parse_failed(std::string_view reason, std::string_view message);

    /// Sends the line (as it now is) to output `port`.
    void emit(std::size_t port = 0);
    /// Sends `text` instead of the line's text to output `port`; fields go along.
    void emit_text(std::string_view text, std::size_t port = 0);
    /// The line ends here, counted as dropped for `reason`.
    void drop(drop_reason reason);
    /// The line failed: counted as an error and sent to the dead-letter sink.
    void fail(std::string_view message, std::string_view error_type = "processor");

private:
    friend class batch_runner;
    enum class outcome : std::uint8_t { none, emitted, dropped, failed };
    /// Copies the input line's fields into work_ (once per line).
    void materialize_fields();
    field_view* find_work(key_id key);

    batch_runner* runner_ = nullptr;
    const line_batch* in_ = nullptr;
    std::size_t index_ = 0;
    bool traced_ = false;  // the line is sampled: the runner records where it goes
    bool materialized_ = false;  // work_ holds the line's fields
    bool fields_changed_ = false;  // work_ differs from the input's fields
    std::string_view text_;
    tag_id tag_ = 0;
    outcome outcome_ = outcome::none;
    std::vector<field_view> work_;
    byte_arena scratch_;  // copies of values and text the processor made (reset per line)
};

/// A processor transforms, tags, filters or routes lines. It runs on its stage's strand
/// only, so its state needs no locks; it never blocks and reports failures through
/// line_context::fail rather than by throwing (a throw is caught and counted too).
class processor {
public:
    virtual ~processor() = default;
    /// Decides the outcome of one line.
    virtual void process(line_context& line) = 0;
    /// True when process() writes through mutable_text(): the stage then gives it a
    /// batch buffer nobody else holds.
    virtual bool mutates_in_place() const { return false; }
};

}  // namespace sightline
