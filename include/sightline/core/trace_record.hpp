#pragma once
#include <boost/container/small_vector.hpp>
#include <boost/json/object.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sightline {

/// One step of a traced line's path (DESIGN.md §2 statuses: received, emit, drop,
/// route, error, retry, sink). Names are views: they point at the ids of sources,
/// stages and sinks and at status literals, all of which live as long as the pipeline
/// that owns the trace store, so a step costs no allocation.
struct trace_step {
    std::string_view processor;
    std::string_view status;
    std::string_view tag;  // route steps: the route taken
    std::int64_t unix_us = 0;
    float duration_us = 0;
    std::string detail;    // drop reason, error message (short ones stay inline)
};

/// The journey of one sampled line. It travels with the line through the batches, so
/// stages append steps without locks; only finished records are published.
struct trace_record {
    /// Longest original content kept; longer lines are cut and marked.
    static constexpr std::size_t max_content = 1024;

    std::uint64_t line_id = 0;
    std::string_view source;
    std::string original_content;
    bool original_cut = false;
    /// Room for a typical path inline: a traced line costs two allocations in all.
    boost::container::small_vector<trace_step, 6> path;
    std::string outcome;         // a sink id, "dropped" or "error"
    std::string outcome_detail;  // drop reason or error message

    /// Adds a step stamped now.
    void add(std::string_view processor, std::string_view status, double duration_us = 0, std::string_view tag = {},
             std::string detail = {});
    /// The trace as /trace shows it, with the compact route (["start", "warn", "end"]).
    boost::json::object to_json() const;
};

using trace_ptr = std::shared_ptr<trace_record>;

/// A traced line of a batch: its index there and its record.
struct traced_line {
    std::uint32_t index = 0;
    trace_ptr record;
};

/// Next process-wide unique line id (starts at 1).
std::uint64_t next_line_id();

}  // namespace sightline
