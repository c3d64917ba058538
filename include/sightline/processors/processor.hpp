#pragma once
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

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
    /// The line's bytes, to change in place without changing the length. Only for
    /// processors whose mutates_in_place() is true.
    std::span<char> mutable_text() { return {const_cast<char*>(text_.data()), text_.size()}; }
    /// Sends the line (as it now is) to output `port`.
    void emit(std::size_t port = 0);
    /// Sends `text` instead of the line to output `port`.
    void emit_text(std::string_view text, std::size_t port = 0);
    /// The line ends here, counted as dropped for `reason`.
    void drop(drop_reason reason);
    /// The line failed: counted as an error and sent to the dead-letter sink.
    void fail(std::string_view message, std::string_view error_type = "processor");

private:
    friend class batch_runner;
    enum class outcome : std::uint8_t { none, emitted, dropped, failed };
    batch_runner* runner_ = nullptr;
    bool traced_ = false;  // the line is sampled: the runner records where it goes
    std::string_view text_;
    tag_id tag_ = 0;
    outcome outcome_ = outcome::none;
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
