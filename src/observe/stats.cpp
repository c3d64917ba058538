#include "sightline/observe/stats.hpp"

#include <algorithm>

namespace sightline {

namespace {
template <class List>
auto find_by_id(const List& list, std::string_view id) -> decltype(&list.front()) {
    auto it = std::find_if(list.begin(), list.end(), [&](const auto& c) { return c.id == id; });
    return it == list.end() ? nullptr : &*it;
}
}  // namespace

std::uint64_t source_stats::dropped() const {
    std::uint64_t n = 0;
    for (const auto& [reason, count] : dropped_by_reason) n += count;
    return n;
}

const stage_stats* pipeline_stats::find_stage(std::string_view id) const { return find_by_id(stages, id); }
const source_stats* pipeline_stats::find_source(std::string_view id) const { return find_by_id(sources, id); }
const sink_stats* pipeline_stats::find_sink(std::string_view id) const { return find_by_id(sinks, id); }

void add_totals(pipeline_stats& s) {
    auto& sys = s.system;
    sys.total_lines = 0;
    sys.total_errors = 0;
    sys.total_processing_time_ms = 0;
    for (const auto& x : s.stages) {
        sys.total_errors += x.errors;
        sys.total_processing_time_ms += x.processing_time_ms;
    }
    for (const auto& x : s.sources) {
        sys.total_lines += x.lines;
        sys.total_errors += x.errors;
    }
    for (const auto& x : s.sinks) sys.total_errors += x.errors;
}

}  // namespace sightline
