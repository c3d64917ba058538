#include "sightline/observe/stats_merge.hpp"

#include <algorithm>

namespace sightline {

namespace {

void add_named(named_counts& into, const named_counts& from) {
    for (const auto& [name, n] : from) into[name] += n;
}

void add_buckets(std::vector<latency_bucket>& into, const std::vector<latency_bucket>& from) {
    if (into.empty()) {
        into = from;
        return;
    }
    // Same histogram layout on both sides (one bucket list for the whole program).
    for (std::size_t i = 0; i < std::min(into.size(), from.size()); ++i) into[i].count += from[i].count;
}

void add_optional(std::optional<std::uint64_t>& into, const std::optional<std::uint64_t>& from) {
    if (from) into = into.value_or(0) + *from;
}

void add_delivery(delivery_stats& into, const delivery_stats& from) {
    into.accepted += from.accepted;
    into.in_flight_lines += from.in_flight_lines;
    into.in_flight_messages += from.in_flight_messages;
    into.delivered_messages += from.delivered_messages;
    into.retries += from.retries;
    into.retrying += from.retrying;
    add_optional(into.duplicates, from.duplicates);
    add_buckets(into.latency_buckets, from.latency_buckets);
    into.latency_count += from.latency_count;
    into.latency_sum_s += from.latency_sum_s;
}

void add_buffer(buffer_stats& into, const buffer_stats& from) {
    into.bytes += from.bytes;
    into.lines += from.lines;
    into.segments += from.segments;
    into.accepted += from.accepted;
    into.dropped += from.dropped;
    into.write_errors += from.write_errors;
    into.torn_records += from.torn_records;
    into.recovered_lines += from.recovered_lines;
    into.oldest_age_ms = std::max(into.oldest_age_ms, from.oldest_age_ms);
    into.blocked = into.blocked || from.blocked;
}

}  // namespace

void add_counters(stage_stats& into, const stage_stats& from) {
    into.lines_in += from.lines_in;
    into.lines_out += from.lines_out;
    into.dropped += from.dropped;
    add_named(into.dropped_by_reason, from.dropped_by_reason);
    into.errors += from.errors;
    add_named(into.errors_by_type, from.errors_by_type);
    add_named(into.parse_failures, from.parse_failures);
    into.retries += from.retries;
    into.in_flight += from.in_flight;
    into.batches += from.batches;
    into.processing_time_ms += from.processing_time_ms;
    add_buckets(into.latency_buckets, from.latency_buckets);
    into.retry_pending += from.retry_pending;
    into.queued_batches += from.queued_batches;
}

void add_counters(source_stats& into, const source_stats& from) {
    into.lines += from.lines;
    into.bytes += from.bytes;
    into.truncated += from.truncated;
    into.errors += from.errors;
    add_named(into.dropped_by_reason, from.dropped_by_reason);
    into.connections_accepted += from.connections_accepted;
    into.connections_closed += from.connections_closed;
    into.connections_refused += from.connections_refused;
    into.paused_ms_total += from.paused_ms_total;
    add_optional(into.datagrams, from.datagrams);
    add_optional(into.kernel_dropped_datagrams, from.kernel_dropped_datagrams);
    add_optional(into.bad_frames, from.bad_frames);
    for (const auto& figure : from.figures) {
        auto it = std::find_if(into.figures.begin(), into.figures.end(), [&](const auto& f) { return f.first == figure.first; });
        if (it == into.figures.end())
            into.figures.push_back(figure);
        else
            it->second += figure.second;
    }
}

void add_counters(sink_stats& into, const sink_stats& from) {
    into.lines += from.lines;
    into.bytes += from.bytes;
    into.errors += from.errors;
    into.flushes += from.flushes;
    if (from.delivery) {
        if (!into.delivery) into.delivery = delivery_stats{};
        add_delivery(*into.delivery, *from.delivery);
    }
    if (from.buffer) {
        if (!into.buffer) into.buffer = from.buffer;
        else add_buffer(*into.buffer, *from.buffer);
    }
}

}  // namespace sightline
