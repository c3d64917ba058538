#include "sightline/observe/metrics.hpp"

#include <chrono>

#include "sightline/core/time_format.hpp"

namespace sightline {

namespace {
std::int64_t now_us() {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

const std::uint64_t bucket_bounds_ns[] = {100, 1'000, 10'000, 100'000, 1'000'000, 10'000'000, 100'000'000, 1'000'000'000};

void read_histogram(const latency_histogram& h, latency_percentiles& p, std::vector<latency_bucket>& buckets) {
    auto l = h.summary();
    p = {l.p50, l.p90, l.p99, l.max};
    buckets.clear();
    for (std::uint64_t ns : bucket_bounds_ns) buckets.push_back({static_cast<double>(ns) / 1000.0, h.count_at_or_below(ns)});
}
}  // namespace

void delivery_metrics::set_connected(bool up) {
    bool was = connected_.exchange(up, std::memory_order_relaxed);
    if (up)
        down_since_us_.store(0, std::memory_order_relaxed);
    else if (was || down_since_us_.load(std::memory_order_relaxed) == 0)
        down_since_us_.store(now_us(), std::memory_order_relaxed);
}

void delivery_metrics::set_last_error(std::string error) {
    std::lock_guard lock(error_mutex_);
    last_error_ = std::move(error);
    last_error_us_ = now_us();
}

void delivery_metrics::read(const sink_metrics& sink, delivery_stats& out) const {
    // Finished counts before started ones, so what is in flight is never negative.
    auto delivered = sink.lines.get(), failed = sink.errors.get();
    auto done = in_flight_messages_done.get(), retry_done = retrying_done.get();
    out.accepted = accepted.get();
    out.in_flight_lines = out.accepted - std::min(out.accepted, delivered + failed);
    out.in_flight_messages = in_flight_messages_added.get() - done;
    out.retrying = retrying_added.get() - retry_done;
    out.delivered_messages = delivered_messages.get();
    out.retries = retries.get();
    out.connected = connected();
    auto down = down_since_us_.load(std::memory_order_relaxed);
    out.disconnected_ms = out.connected || down == 0 ? 0.0 : static_cast<double>(now_us() - down) / 1000.0;
    out.unhealthy_after_ms = unhealthy_after_ms;
    read_histogram(latency, out.latency_us, out.latency_buckets);
    out.latency_count = delivered;  // every delivered line is timed
    out.latency_sum_s = static_cast<double>(latency_sum_us.get()) / 1e6;
    std::lock_guard lock(error_mutex_);
    out.last_error = last_error_;
    if (last_error_us_) out.last_error_at = format_rfc3339(std::chrono::system_clock::time_point(std::chrono::microseconds(last_error_us_)));
}

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
    read_histogram(m.latency, out.latency_us, out.latency_buckets);
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
