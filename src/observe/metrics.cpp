#include "sightline/observe/metrics.hpp"

namespace sightline {

void read_counters(const stage_metrics& m, stage_stats& out) {
    // lines_in last: a line counted out was counted in before.
    out.lines_out = m.lines_out.get();
    out.dropped = 0;
    out.dropped_by_reason.clear();
    for (std::size_t r = 0; r < drop_reason_count; ++r)
        if (auto n = m.dropped[r].get()) {
            out.dropped_by_reason[std::string(to_string(static_cast<drop_reason>(r)))] = n;
            out.dropped += n;
        }
    out.errors = m.errors.get();
    out.lines_in = m.lines_in.get();
    out.in_flight = out.lines_in - out.lines_out - out.dropped - out.errors;
    out.retries = m.retries.get();
    out.batches = m.batches.get();
    out.processing_time_ms = static_cast<double>(m.busy_ns.get()) / 1e6;
    auto l = m.latency.summary();
    out.latency_us = {l.p50, l.p90, l.p99, l.max};
    out.latency_buckets.clear();
    for (std::uint64_t ns : {100ull, 1'000ull, 10'000ull, 100'000ull, 1'000'000ull, 10'000'000ull, 100'000'000ull,
                             1'000'000'000ull})
        out.latency_buckets.push_back({static_cast<double>(ns) / 1000.0, m.latency.count_at_or_below(ns)});
    out.errors_by_type.clear();
    for (const auto& [type, n] : m.errors_by_type()) out.errors_by_type[type] = n;
    out.parse_failures = m.parse_failures();
}

void read_counters(const source_metrics& m, source_stats& out) {
    out.lines = m.lines.get();
    out.bytes = m.bytes.get();
    out.truncated = m.truncated.get();
    out.errors = m.errors.get();
    out.connections_closed = m.connections_closed.get();  // before accepted: active never below 0
    out.connections_accepted = m.connections_accepted.get();
    out.connections_refused = m.connections_refused.get();
}

void read_counters(const sink_metrics& m, sink_stats& out) {
    out.lines = m.lines.get();
    out.bytes = m.bytes.get();
    out.errors = m.errors.get();
    out.flushes = m.flushes.get();
}

}  // namespace sightline
