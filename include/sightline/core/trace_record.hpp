#pragma once
#include <boost/container/small_vector.hpp>
#include <boost/json/object.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sightline/core/utf8.hpp"

namespace sightline {

/// One step of a traced line's path (DESIGN.md §2 statuses: received, emit, drop,
/// route, error, retry, sink). Names are views: they point at the ids of sources,
/// stages and sinks and at status literals, all of which live as long as the pipeline
/// that owns the trace store, so a step costs no allocation. A step fills one cache
/// line: its rare free text (a drop reason, an error message) lives in the record.
struct trace_step {
    std::string_view processor;
    std::string_view status;
    std::string_view tag;  // route steps: the route taken
    std::int64_t unix_us = 0;
    float duration_us = 0;
    std::uint8_t detail = 0;  // 0: none; k: the record's details[k - 1]
    /// The fields this step added, changed or removed, as JSON in details (0: none).
    std::uint8_t fields_change = 0;
};

/// The journey of one sampled line. It travels with the line through the batches, so
/// stages append steps without locks; only finished records are published. Each stage
/// touches only the front (id and path); the rest is written once and read by the API.
struct trace_record {
    /// Longest original content kept; longer lines are cut and marked.
    static constexpr std::size_t max_content = 1024;

    /// User-provided, so that value-initialization (e.g. a vector of records) does not
    /// first zero the whole record, inline path and content included.
    trace_record() noexcept {}

    // Layout: small fields first, then the path (what every stage touches, prefetched
    // by prefetch()), then the content (written once at the source).
    std::uint64_t line_id = 0;
    std::string_view source;
    /// A sink id, "dropped" or "error": views of long-lived names, like step names.
    std::string_view outcome;
    std::string outcome_detail;        // drop reason or error message
    std::vector<std::string> details;  // free text of steps (see trace_step::detail)
    bool original_cut = false;
    /// Room for a typical path inline.
    boost::container::small_vector<trace_step, 6> path;

    /// Adds a step stamped now.
    void add(std::string_view processor, std::string_view status, double duration_us = 0, std::string_view tag = {},
             std::string detail = {});
    /// Adds a step stamped `unix_us` (callers that trace many lines read the clock once).
    /// Inline: every stage calls it once per traced line.
    void add_at(std::int64_t unix_us, std::string_view processor, std::string_view status, double duration_us = 0,
                std::string_view tag = {}, std::string detail = {}) {
        std::uint8_t d = detail.empty() ? 0 : keep_detail(std::move(detail));
        path.push_back({processor, status, tag, unix_us, static_cast<float>(duration_us), d});
    }
    /// Records on the last step what it did to the line's fields
    /// ({"added":{..},"changed":{..},"removed":[..]}, as batch_runner writes it).
    void set_fields_change(std::string change) {
        if (!path.empty()) path.back().fields_change = keep_detail(std::move(change));
    }
    /// The line's fields after its last step (every step's changes applied in order).
    boost::json::object final_fields() const;
    /// Keeps `text` as the original content, cut at max_content (original_cut says so).
    void set_original(std::string_view text) {
        original_cut = text.size() > max_content;
        text = text.substr(0, utf8_prefix(text, max_content));  // never inside a character
        content_.assign(text.begin(), text.end());
    }
    std::string_view original_content() const { return {content_.data(), content_.size()}; }
    /// A step's free text ("" when it has none).
    std::string_view detail_of(const trace_step& step) const {
        return detail_of_index(step.detail);
    }
    std::string_view detail_of_index(std::uint8_t k) const {
        return k && k <= details.size() ? std::string_view(details[k - 1]) : std::string_view();
    }
    /// The trace as /trace shows it, with the compact route (["start", "warn", "end"]).
    boost::json::object to_json() const;
private:
    /// Stores a step's free text; returns its trace_step::detail index (0: none kept).
    std::uint8_t keep_detail(std::string detail);
    /// Inline for typical log lines: a traced line costs no allocation but its record.
    boost::container::small_vector<char, 192> content_;

public:
    /// Hints the CPU to fetch what a stage touches ahead of use: the shared_ptr control
    /// block just before the record, the small fields and the first steps of the path.
    void prefetch() const {
        const char* from = reinterpret_cast<const char*>(this) - 16;
        const char* to = reinterpret_cast<const char*>(&path) + 24 + 4 * sizeof(trace_step);
        for (const char* p = from; p < to; p += 64) __builtin_prefetch(p, 1);
    }
};

using trace_ptr = std::shared_ptr<trace_record>;

/// A new record, or a copy of one (a fanned-out line's branch): one allocation each,
/// control block, record, path and content together. (A shared pool measured slower:
/// its mutex is contended between the source that allocates and the sink that frees.)
trace_ptr make_trace_record();
trace_ptr make_trace_record(const trace_record& copy);

/// A traced line of a batch: its index there and its record.
struct traced_line {
    std::uint32_t index = 0;
    trace_ptr record;
};

/// Next process-wide unique line id (starts at 1).
std::uint64_t next_line_id();
/// Reserves `n` consecutive line ids and returns the first.
std::uint64_t next_line_ids(std::uint64_t n);

}  // namespace sightline
