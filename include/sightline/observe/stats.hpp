#pragma once
#include <boost/json/array.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sightline {

/// Counts by name (drop reason, error type), only the names seen.
using named_counts = std::map<std::string, std::uint64_t>;

/// Per-line processing time percentiles, in microseconds.
struct latency_percentiles {
    double p50 = 0, p90 = 0, p99 = 0, max = 0;
};

/// Lines processed within `le_us` microseconds (cumulative, for the Prometheus histogram).
struct latency_bucket {
    double le_us = 0;
    std::uint64_t count = 0;
};

/// A stage's circuit breaker.
struct circuit_stats {
    std::string state;  // "closed", "open" or "half_open"
    std::uint64_t opens = 0;
    std::uint64_t transitions = 0;
};

/// Figures over a window (the last tick, the last minute, or the whole run), filled by
/// stats_rates: a collection of raw counters has them at 0.
struct stage_rates {
    double lines_per_second = 0;
    double lines_per_second_1m = 0;
    double lines_out_per_second = 0;
    double errors_per_second = 0;
    /// Busy time per second of wall time, 0 to 1, over the last window and the last minute.
    double utilization = 0;
    double utilization_1m = 0;
    /// How full the input hand-off is now (0 to 1), and on average over the last minute.
    double queue_fill = 0;
    double queue_fill_1m = 0;
};

/// One processor stage. Identity: lines_in = lines_out + dropped + errors + in_flight.
struct stage_stats {
    std::string id;
    std::string type;
    std::uint64_t lines_in = 0;
    std::uint64_t lines_out = 0;
    std::uint64_t dropped = 0;
    named_counts dropped_by_reason;
    std::uint64_t errors = 0;
    named_counts errors_by_type;
    /// Parse failures by reason (parsers only; kept, dropped and failed lines alike).
    named_counts parse_failures;
    std::uint64_t retries = 0;
    std::uint64_t in_flight = 0;
    std::uint64_t batches = 0;
    double processing_time_ms = 0;
    latency_percentiles latency_us;
    std::vector<latency_bucket> latency_buckets;
    std::uint64_t retry_pending = 0;
    std::optional<circuit_stats> circuit;
    std::uint64_t queued_batches = 0;
    std::uint64_t queue_capacity = 0;
    /// Removed by a reload: kept (still draining, or with its final figures) so the run's
    /// totals still add up; health ignores it.
    bool retired = false;
    stage_rates rates;
};

/// One source.
struct source_stats {
    std::string id;
    std::string type;
    std::uint64_t lines = 0;
    std::uint64_t bytes = 0;
    std::uint64_t truncated = 0;
    std::uint64_t errors = 0;
    /// Lines the source could not take in, by reason (none of today's sources drops: TCP,
    /// UDP and files pause under backpressure).
    named_counts dropped_by_reason;
    std::uint64_t connections_accepted = 0;
    std::uint64_t connections_closed = 0;
    std::uint64_t connections_refused = 0;
    /// A network source: health judges it unhealthy when it no longer listens.
    bool listens = false;
    bool running = false;
    bool paused = false;
    double paused_ms_total = 0;
    /// Datagram sources only.
    std::optional<std::uint64_t> datagrams;
    std::optional<std::uint64_t> kernel_dropped_datagrams;
    /// Stream sources: octet-counted frame headers that were no length (README "Framing").
    std::optional<std::uint64_t> bad_frames;
    /// Type-specific counters shown as they are (e.g. a followed glob's rotations).
    std::vector<std::pair<std::string, std::uint64_t>> figures;
    double lines_per_second = 0;
    double lines_per_second_1m = 0;
    /// Removed by a reload (see stage_stats::retired).
    bool retired = false;

    std::uint64_t dropped() const;
    std::uint64_t connections_active() const { return connections_accepted - connections_closed; }
};

/// What a network sink knows about its deliveries (README "Delivery"). Identity:
/// accepted = lines (delivered) + errors (to the dead letter) + in_flight_lines.
struct delivery_stats {
    bool connected = false;
    /// How long the sink has been unable to reach its server (0 while connected).
    double disconnected_ms = 0;
    std::uint64_t unhealthy_after_ms = 0;
    std::uint64_t accepted = 0;
    std::uint64_t in_flight_lines = 0;
    std::uint64_t in_flight_messages = 0;
    std::uint64_t delivered_messages = 0;
    /// Attempts that failed and were tried again, and messages waiting for their retry now.
    std::uint64_t retries = 0;
    std::uint64_t retrying = 0;
    /// Messages the server said it already had (sent again after a lost acknowledgement).
    std::optional<std::uint64_t> duplicates;
    std::string last_error;
    std::optional<std::string> last_error_at;
    /// Per line, from taken in to acknowledged by the server.
    latency_percentiles latency_us;
    std::vector<latency_bucket> latency_buckets;
    std::uint64_t latency_count = 0;
    double latency_sum_s = 0;
};

/// A sink's disk buffer (README "Buffers"). `lines` are accepted and not yet
/// delivered (handed to the sink included): the `buffered` term of the accounting.
struct buffer_stats {
    std::string type;  // "disk"
    std::string path;
    std::uint64_t max_bytes = 0;
    std::uint64_t bytes = 0;
    std::uint64_t lines = 0;
    std::uint64_t segments = 0;
    /// Lines appended this run, dropped because it was full (when_full: drop_newest),
    /// and appends the disk refused (those lines went on from memory).
    std::uint64_t accepted = 0;
    std::uint64_t dropped = 0;
    std::uint64_t write_errors = 0;
    /// Torn records cut off at start or found unreadable; lines a previous run left.
    std::uint64_t torn_records = 0;
    std::uint64_t recovered_lines = 0;
    double oldest_age_ms = 0;
    bool blocked = false;
};

/// One sink (the dead-letter sink included).
struct sink_stats {
    std::string id;
    std::string type;
    std::uint64_t lines = 0;
    std::uint64_t bytes = 0;
    std::uint64_t errors = 0;
    std::uint64_t flushes = 0;
    /// File sinks only.
    std::optional<std::string> path;
    std::optional<std::uint64_t> disk_free_bytes;
    /// Network sinks only.
    std::optional<delivery_stats> delivery;
    /// Sinks with a disk buffer only.
    std::optional<buffer_stats> buffer;
    double lines_per_second = 0;
    /// Removed by a reload (see stage_stats::retired).
    bool retired = false;
};

/// The process and the whole pipeline.
struct system_stats {
    std::uint64_t total_lines = 0;
    double total_processing_time_ms = 0;
    std::uint64_t total_errors = 0;
    double uptime_s = 0;
    std::uint64_t rss_bytes = 0;
    std::uint64_t peak_rss_bytes = 0;
    double cpu_seconds = 0;
    std::uint64_t open_fds = 0;
    std::uint64_t max_fds = 0;
    double start_time_unix_s = 0;
    std::uint64_t host_memory_available_bytes = 0;
    std::string version;
    std::uint64_t traces_recorded = 0;
    /// The share of lines traced (trace.sample), or none while tracing is off.
    std::optional<double> trace_sample;
    std::uint64_t errors_recorded = 0;
    /// Over the last window and the last minute (stats_rates).
    double lines_per_second = 0;
    double lines_per_second_1m = 0;
    double cpu_percent = 0;  // 100 = one core busy
    /// The stage that limits throughput now and over the last minute (stats_rates):
    /// none while every stage is idle.
    std::optional<std::string> bottleneck_stage;
    std::optional<std::string> bottleneck_stage_1m;
    /// The WebSocket side, when the HTTP server runs.
    std::optional<std::uint64_t> websocket_clients;
    std::optional<std::uint64_t> websocket_frames_dropped;
    /// The same by frame type (stats, trace, error), and the bytes queued for every
    /// client together now (bounded: README "WebSocket").
    std::optional<named_counts> websocket_frames_dropped_by_type;
    std::optional<std::uint64_t> websocket_queued_bytes;
    std::optional<std::uint64_t> websocket_slow_clients_closed;
    /// The HTTP server's TLS handshakes, failures by reason and reloads (names as a tcp
    /// source's figures); empty when it speaks plain HTTP.
    std::vector<std::pair<std::string, std::uint64_t>> http_tls;
    /// Hot reloads (README "Reload"): applied and refused, when the last one was asked
    /// for, and the problems of the last one while it stands refused (health shows them).
    std::uint64_t reloads_applied = 0;
    std::uint64_t reloads_failed = 0;
    std::optional<double> last_reload_unix_s;
    std::vector<std::string> reload_problems;
    /// When the snapshot was taken (set by the observer).
    std::optional<std::chrono::system_clock::time_point> timestamp;
};

/// Alert instances per rule (zeros included, so Prometheus sees 0 before 1).
struct alert_rule_count {
    std::string alertname;
    std::string severity;
    std::uint64_t firing = 0;
    std::uint64_t pending = 0;
};

/// One alert receiver's delivery counters.
struct alert_receiver_stats {
    std::string receiver;  // "alertmanager" or "webhook"
    std::string url;
    std::uint64_t sent = 0;
    std::uint64_t failed_attempts = 0;
    std::uint64_t retries = 0;
    std::uint64_t dropped = 0;
    std::uint64_t queued = 0;
    bool failing = false;
};

/// The alerts part of a snapshot.
struct alerts_stats {
    std::uint64_t firing = 0;
    std::uint64_t pending = 0;
    /// The active alerts as GET /alerts shows them.
    boost::json::array active;
    std::vector<alert_rule_count> by_rule;
    /// Present when a receiver is configured.
    std::optional<std::vector<alert_receiver_stats>> delivery;
};

/// Everything counted about the pipeline at one moment: what /stats, /metrics, the
/// WebSocket stats frame, health, alert rules and --save-metrics are functions of.
/// Components are in graph order.
struct pipeline_stats {
    std::vector<stage_stats> stages;
    std::vector<source_stats> sources;
    std::vector<sink_stats> sinks;
    system_stats system;
    std::optional<alerts_stats> alerts;

    const stage_stats* find_stage(std::string_view id) const;
    const source_stats* find_source(std::string_view id) const;
    const sink_stats* find_sink(std::string_view id) const;
};

/// Sets the system totals from the components: lines read by every source, errors
/// everywhere, processing time of every stage.
void add_totals(pipeline_stats& s);

}  // namespace sightline
