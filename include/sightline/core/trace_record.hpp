#pragma once
#include <boost/json/object.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace sightline {

/// One step of a traced line's path (DESIGN.md §2 statuses: received, emit, drop,
/// route, error, retry, sink).
struct trace_step {
    std::string processor;
    std::string status;
    std::int64_t unix_us = 0;
    double duration_us = 0;
    std::string tag;     // route steps: the route taken
    std::string detail;  // drop reason, error message
};

/// The journey of one sampled line. It travels with the line through the batches, so
/// stages append steps without locks; only finished records are published.
struct trace_record {
    /// Longest original content kept; longer lines are cut and marked.
    static constexpr std::size_t max_content = 1024;

    std::uint64_t line_id = 0;
    std::string source;
    std::string original_content;
    bool original_cut = false;
    std::vector<trace_step> path;
    std::string outcome;         // a sink id, "dropped" or "error"
    std::string outcome_detail;  // drop reason or error message

    /// Adds a step stamped now.
    void add(std::string processor, std::string status, double duration_us = 0, std::string tag = {},
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
