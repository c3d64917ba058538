#include "sightline/observe/stats_json.hpp"

namespace sightline {

namespace json = boost::json;

namespace {
json::object drops_by_reason(const std::array<counter, drop_reason_count>& dropped) {
    json::object o;
    for (std::size_t r = 0; r < drop_reason_count; ++r)
        if (auto n = dropped[r].get()) o[to_string(static_cast<drop_reason>(r))] = n;
    return o;
}
}  // namespace

json::object to_json(const latency_summary& s) {
    return {{"p50", s.p50}, {"p90", s.p90}, {"p99", s.p99}, {"max", s.max}};
}

json::object to_json(const stage_metrics& m, double uptime_s) {
    // Read lines_in last so lines_in >= out + dropped + errors holds in the snapshot.
    auto out = m.lines_out.get();
    auto dropped = m.dropped_total();
    auto errors = m.errors.get();
    auto in = m.lines_in.get();
    auto busy_ms = static_cast<double>(m.busy_ns.get()) / 1e6;
    json::object o;
    o["lines_in"] = in;
    o["lines_out"] = out;
    o["dropped"] = dropped;
    o["dropped_by_reason"] = drops_by_reason(m.dropped);
    o["errors"] = errors;
    o["retries"] = m.retries.get();
    o["in_flight"] = in - out - dropped - errors;
    o["batches"] = m.batches.get();
    o["processing_time_ms"] = busy_ms;
    o["latency_us"] = to_json(m.latency.summary());
    // Cumulative per-line latency buckets for the Prometheus histogram, le in µs.
    json::array le, counts;
    for (std::uint64_t ns : {100ull, 1'000ull, 10'000ull, 100'000ull, 1'000'000ull, 10'000'000ull, 100'000'000ull,
                             1'000'000'000ull}) {
        le.emplace_back(static_cast<double>(ns) / 1000.0);
        counts.emplace_back(m.latency.count_at_or_below(ns));
    }
    o["latency_buckets"] = {{"le_us", std::move(le)}, {"counts", std::move(counts)}};
    json::object by_type;
    for (const auto& [type, n] : m.errors_by_type()) by_type[type] = n;
    o["errors_by_type"] = std::move(by_type);
    o["utilization"] = uptime_s > 0 ? std::min(1.0, busy_ms / 1000.0 / uptime_s) : 0.0;
    return o;
}

json::object to_json(const source_metrics& m) {
    json::object o;
    o["lines"] = m.lines.get();
    o["bytes"] = m.bytes.get();
    o["truncated"] = m.truncated.get();
    o["errors"] = m.errors.get();
    std::uint64_t dropped = 0;
    for (const auto& d : m.dropped) dropped += d.get();
    o["dropped"] = dropped;
    o["dropped_by_reason"] = drops_by_reason(m.dropped);
    auto accepted = m.connections_accepted.get();
    auto closed = m.connections_closed.get();
    o["connections_accepted"] = accepted;
    o["connections_active"] = accepted - closed;
    o["connections_closed"] = closed;
    o["connections_refused"] = m.connections_refused.get();
    return o;
}

json::object to_json(const sink_metrics& m) {
    return {{"lines", m.lines.get()}, {"bytes", m.bytes.get()}, {"errors", m.errors.get()}, {"flushes", m.flushes.get()}};
}

}  // namespace sightline
