#pragma once
#include <cstdint>
#include <string>

#include "sightline/core/trace_record.hpp"
#include "sightline/observe/ring_log.hpp"

namespace sightline {

/// What GET /trace may filter by; empty fields match everything.
struct trace_filter {
    std::string stage;    // a step's processor
    std::string status;   // a step's status (with stage: the same step)
    std::string outcome;  // sink id, "dropped" or "error"
    std::string text;     // substring of the original content
    std::string field;    // with value: the line's fields after its last step hold field == value
    std::string value;    // (compared as text: a number 812 matches "812")
    bool matches(const trace_record& r) const;
};

/// The last `trace.capacity` finished traces. Stages and sinks add a batch's finished
/// records under one lock; readers get them newest first.
class trace_store : public ring_log<trace_ptr> {
public:
    using ring_log::ring_log;
    /// Up to `limit` traces matching `f`, newest first.
    std::vector<trace_ptr> query(const trace_filter& f, std::size_t limit) const {
        return newest(limit, [&](const trace_ptr& r) { return f.matches(*r); });
    }
    /// The newest trace of `line_id` (a fanned-out line has one per branch), or null.
    trace_ptr find(std::uint64_t line_id) const {
        auto found = newest(1, [&](const trace_ptr& r) { return r->line_id == line_id; });
        return found.empty() ? nullptr : found.front();
    }
};

}  // namespace sightline
