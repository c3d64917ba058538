#include "sightline/observe/prometheus.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <deque>
#include <map>
#include <sstream>
#include <vector>

namespace sightline {

namespace {

std::string escape_label(std::string_view v) {
    std::string out;
    for (char c : v) {
        if (c == '\\' || c == '"') out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out;
}

std::string format_value(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    char buf[32];  // shortest form that reads back as the same double: 0.1, not 0.10000000000000001
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, r.ptr);
}

double number(std::uint64_t v) { return static_cast<double>(v); }

/// One metric family: HELP and TYPE once, then its samples.
class family {
public:
    family(std::string name, std::string type, std::string help)
        : name_(std::move(name)), type_(std::move(type)), help_(std::move(help)) {}
    void add(const std::vector<std::pair<std::string, std::string>>& labels, double value) {
        add_suffixed("", labels, value);
    }
    /// A sample of the family's _sum or _count series.
    void add_suffixed(std::string_view suffix, const std::vector<std::pair<std::string, std::string>>& labels,
                      double value) {
        std::string line = name_ + std::string(suffix);
        if (!labels.empty()) {
            line += '{';
            for (std::size_t i = 0; i < labels.size(); ++i) {
                if (i) line += ',';
                line += labels[i].first + "=\"" + escape_label(labels[i].second) + "\"";
            }
            line += '}';
        }
        samples_.push_back(line + " " + format_value(value));
    }
    /// One histogram's series: cumulative buckets in microseconds (kept monotonic, as
    /// counters move while they are read), +Inf at `count` or above, _sum in seconds.
    void add_histogram(const std::vector<std::pair<std::string, std::string>>& labels,
                       const std::vector<latency_bucket>& buckets_us, double count, double sum_s) {
        double last = 0;
        for (const auto& b : buckets_us) {
            auto lb = labels;
            std::ostringstream le;  // shortest form: "1e-07", "0.001"
            le << b.le_us / 1e6;
            lb.emplace_back("le", le.str());
            last = std::max(last, static_cast<double>(b.count));
            add_suffixed("_bucket", lb, last);
        }
        double total = std::max(count, last);
        auto lb = labels;
        lb.emplace_back("le", "+Inf");
        add_suffixed("_bucket", lb, total);
        add_suffixed("_sum", labels, sum_s);
        add_suffixed("_count", labels, total);
    }
    void write(std::string& out) const {
        if (samples_.empty()) return;
        out += "# HELP " + name_ + " " + help_ + "\n# TYPE " + name_ + " " + type_ + "\n";
        for (const auto& s : samples_) out += s + "\n";
    }

private:
    std::string name_, type_, help_;
    std::vector<std::string> samples_;
};

}  // namespace

std::string to_prometheus(const pipeline_stats& stats) {
    std::deque<family> f;  // deque: references to families stay valid as more are added
    auto fam = [&](std::string name, std::string type, std::string help) -> family& {
        f.emplace_back(std::move(name), std::move(type), std::move(help));
        return f.back();
    };
    using labels = std::vector<std::pair<std::string, std::string>>;

    auto& in = fam("sightline_stage_lines_in_total", "counter", "Lines taken in by a stage.");
    auto& out = fam("sightline_stage_lines_out_total", "counter", "Lines a stage emitted (once per line).");
    auto& dropped = fam("sightline_stage_dropped_total", "counter", "Lines a stage dropped, by reason.");
    auto& errors = fam("sightline_stage_errors_total", "counter", "Lines that failed at a stage, by error type.");
    auto& retries = fam("sightline_stage_retries_total", "counter", "Retries of failed lines at a stage.");
    auto& latency = fam("sightline_stage_processing_seconds", "histogram", "Per-line processing time at a stage.");
    auto& quantiles = fam("sightline_stage_latency_seconds", "gauge", "Per-line processing time percentiles (p50, p90, p99, max).");
    auto& util = fam("sightline_stage_utilization_ratio", "gauge", "Share of time a stage was busy (0 to 1).");
    auto& queue = fam("sightline_stage_queue_fill_ratio", "gauge", "How full a stage's input hand-off is (0 to 1).");
    auto& rate = fam("sightline_stage_lines_per_second", "gauge", "Lines in per second over the last tick.");
    auto& circuit = fam("sightline_stage_circuit_state", "gauge",
                        "Circuit breaker state: 0 closed, 1 open, 2 half-open (stages with a breaker only).");
    auto& circuit_opens = fam("sightline_stage_circuit_opens_total", "counter", "Times a stage's circuit opened.");
    auto& retry_pending = fam("sightline_stage_retry_pending", "gauge", "Lines waiting for a retry.");
    auto& parse_failures = fam("sightline_stage_parse_failures_total", "counter",
                               "Lines a parser could not parse, by reason (kept, dropped or failed).");
    for (const auto& s : stats.stages) {
        labels l{{"stage", s.id}, {"type", s.type}};
        in.add(l, number(s.lines_in));
        out.add(l, number(s.lines_out));
        // Every error has a type; a stage with none still shows a zero series.
        if (s.errors_by_type.empty()) {
            auto le = l;
            le.emplace_back("error_type", "none");
            errors.add(le, 0);
        }
        for (const auto& [type, n] : s.errors_by_type) {
            auto le = l;
            le.emplace_back("error_type", type);
            errors.add(le, number(n));
        }
        for (const auto& [reason, n] : s.parse_failures) {
            auto lr = l;
            lr.emplace_back("reason", reason);
            parse_failures.add(lr, number(n));
        }
        retries.add(l, number(s.retries));
        util.add(l, s.rates.utilization);
        queue.add(l, s.rates.queue_fill);
        rate.add(l, s.rates.lines_per_second);
        retry_pending.add(l, number(s.retry_pending));
        if (s.circuit) {
            const auto& state = s.circuit->state;
            circuit.add(l, state == "open" ? 1 : state == "half_open" ? 2 : 0);
            circuit_opens.add(l, number(s.circuit->opens));
        }
        for (const auto& [reason, n] : s.dropped_by_reason) {
            auto lr = l;
            lr.emplace_back("reason", reason);
            dropped.add(lr, number(n));
        }
        for (auto [p, v] : {std::pair{"p50", s.latency_us.p50}, {"p90", s.latency_us.p90}, {"p99", s.latency_us.p99},
                            {"max", s.latency_us.max}}) {
            auto lp = l;
            lp.emplace_back("percentile", p);
            quantiles.add(lp, v / 1e6);
        }
        // Per-line times add up to the stage's busy time, over every line taken in.
        latency.add_histogram(l, s.latency_buckets, number(s.lines_in), s.processing_time_ms / 1000.0);
    }

    auto& s_lines = fam("sightline_source_lines_total", "counter", "Lines read by a source.");
    auto& s_bytes = fam("sightline_source_bytes_total", "counter", "Bytes read by a source.");
    auto& s_trunc = fam("sightline_source_truncated_lines_total", "counter", "Lines cut at max_line_bytes.");
    auto& s_drop = fam("sightline_source_dropped_total", "counter", "Lines a source dropped, by reason.");
    auto& s_conn = fam("sightline_source_connections_active", "gauge", "Open connections of a source.");
    auto& s_acc = fam("sightline_source_connections_accepted_total", "counter", "Connections accepted.");
    auto& s_ref = fam("sightline_source_connections_refused_total", "counter", "Connections refused (limit).");
    auto& s_kern = fam("sightline_source_kernel_dropped_datagrams_total", "counter", "Datagrams the kernel dropped.");
    auto& s_frames = fam("sightline_source_bad_frames_total", "counter", "Frame headers of a stream that were no length.");
    auto& s_paused = fam("sightline_source_paused_seconds_total", "counter", "Time a source was paused by backpressure.");
    // Type-specific figures (a NATS source's messages and redeliveries), one family each.
    std::map<std::string, std::vector<std::pair<labels, double>>> figures;
    for (const auto& s : stats.sources)
        for (const auto& [name, n] : s.figures) figures[name].push_back({{{"source", s.id}, {"type", s.type}}, number(n)});
    for (auto& [name, series] : figures) {
        bool gauge = name == "connected" || name == "files_followed" || name == "offset_committed";
        auto& f = fam("sightline_source_" + name + (gauge ? "" : "_total"), gauge ? "gauge" : "counter",
                      gauge ? "A source's " + name + " now (type-specific)." : "A source's " + name + " (type-specific).");
        for (auto& [l, v] : series) f.add(l, v);
    }
    for (const auto& s : stats.sources) {
        labels l{{"source", s.id}, {"type", s.type}};
        s_lines.add(l, number(s.lines));
        s_bytes.add(l, number(s.bytes));
        s_trunc.add(l, number(s.truncated));
        s_conn.add(l, number(s.connections_active()));
        s_acc.add(l, number(s.connections_accepted));
        s_ref.add(l, number(s.connections_refused));
        if (s.kernel_dropped_datagrams) s_kern.add(l, number(*s.kernel_dropped_datagrams));
        if (s.bad_frames) s_frames.add(l, number(*s.bad_frames));
        s_paused.add(l, s.paused_ms_total / 1000.0);
        for (const auto& [reason, n] : s.dropped_by_reason) {
            auto lr = l;
            lr.emplace_back("reason", reason);
            s_drop.add(lr, number(n));
        }
    }

    auto& k_lines = fam("sightline_sink_lines_total", "counter", "Lines a sink wrote.");
    auto& k_bytes = fam("sightline_sink_bytes_total", "counter", "Bytes a sink wrote.");
    auto& k_err = fam("sightline_sink_errors_total", "counter", "Lines a sink failed to write.");
    for (const auto& s : stats.sinks) {
        labels l{{"sink", s.id}, {"type", s.type}};
        k_lines.add(l, number(s.lines));
        k_bytes.add(l, number(s.bytes));
        k_err.add(l, number(s.errors));
    }
    bool any_network = std::any_of(stats.sinks.begin(), stats.sinks.end(), [](const auto& s) { return s.delivery.has_value(); });
    if (any_network) {
        auto& up = fam("sightline_sink_connected", "gauge", "1 while a network sink is connected to its server.");
        auto& accepted = fam("sightline_sink_accepted_lines_total", "counter", "Lines a network sink took in.");
        auto& in_lines = fam("sightline_sink_in_flight_lines", "gauge", "Lines taken in, not yet acknowledged or dead-lettered.");
        auto& in_msgs = fam("sightline_sink_in_flight_messages", "gauge", "Messages being delivered.");
        auto& msgs = fam("sightline_sink_delivered_messages_total", "counter", "Messages the server acknowledged.");
        auto& retries = fam("sightline_sink_retries_total", "counter", "Delivery attempts that failed and were retried.");
        auto& down = fam("sightline_sink_disconnected_seconds", "gauge", "How long the server has been unreachable.");
        auto& lat = fam("sightline_sink_delivery_latency_seconds", "histogram",
                        "Per line, from taken in by the sink to acknowledged by its server.");
        for (const auto& s : stats.sinks) {
            if (!s.delivery) continue;
            const auto& d = *s.delivery;
            labels l{{"sink", s.id}, {"type", s.type}};
            up.add(l, d.connected ? 1 : 0);
            accepted.add(l, number(d.accepted));
            in_lines.add(l, number(d.in_flight_lines));
            in_msgs.add(l, number(d.in_flight_messages));
            msgs.add(l, number(d.delivered_messages));
            retries.add(l, number(d.retries));
            down.add(l, d.disconnected_ms / 1000.0);
            lat.add_histogram(l, d.latency_buckets, number(d.latency_count), d.latency_sum_s);
        }
    }

    bool any_buffer = std::any_of(stats.sinks.begin(), stats.sinks.end(), [](const auto& s) { return s.buffer.has_value(); });
    if (any_buffer) {
        auto& bytes = fam("sightline_sink_buffer_bytes", "gauge", "Bytes in a sink's disk buffer not yet delivered.");
        auto& max = fam("sightline_sink_buffer_max_bytes", "gauge", "Size limit of a sink's disk buffer.");
        auto& lines = fam("sightline_sink_buffer_lines", "gauge", "Lines in a sink's disk buffer not yet delivered.");
        auto& age = fam("sightline_sink_buffer_oldest_age_seconds", "gauge", "Age of the oldest line in a disk buffer.");
        auto& dropped = fam("sightline_sink_buffer_dropped_total", "counter", "Lines a full disk buffer dropped, by reason.");
        auto& torn = fam("sightline_sink_buffer_torn_records_total", "counter", "Torn or unreadable buffer records skipped.");
        for (const auto& s : stats.sinks) {
            if (!s.buffer) continue;
            labels l{{"sink", s.id}, {"type", s.type}};
            bytes.add(l, number(s.buffer->bytes));
            max.add(l, number(s.buffer->max_bytes));
            lines.add(l, number(s.buffer->lines));
            age.add(l, s.buffer->oldest_age_ms / 1000.0);
            auto lr = l;
            lr.emplace_back("reason", "buffer_full");
            dropped.add(lr, number(s.buffer->dropped));
            torn.add(l, number(s.buffer->torn_records));
        }
    }

    const auto& sys = stats.system;
    fam("sightline_lines_total", "counter", "Lines read by all sources.").add({}, number(sys.total_lines));
    fam("sightline_errors_total", "counter", "Errors everywhere.").add({}, number(sys.total_errors));
    fam("sightline_lines_per_second", "gauge", "Lines read per second.").add({}, sys.lines_per_second);
    fam("sightline_uptime_seconds", "gauge", "Seconds since start.").add({}, sys.uptime_s);
    fam("sightline_build_info", "gauge", "Build of this binary.")
        .add({{"version", sys.version.empty() ? "unknown" : sys.version}}, 1);
    fam("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.").add({}, number(sys.rss_bytes));
    fam("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.").add({}, sys.cpu_seconds);
    fam("process_open_fds", "gauge", "Number of open file descriptors.").add({}, number(sys.open_fds));
    fam("process_max_fds", "gauge", "Maximum number of open file descriptors.").add({}, number(sys.max_fds));
    fam("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.")
        .add({}, sys.start_time_unix_s);
    auto& disk = fam("sightline_sink_disk_free_bytes", "gauge", "Free bytes on the file system of a file sink.");
    for (const auto& s : stats.sinks)
        if (s.disk_free_bytes) disk.add({{"sink", s.id}}, number(*s.disk_free_bytes));
    auto& reloads = fam("sightline_reloads_total", "counter", "Configuration reloads (POST /reload, SIGHUP) by result.");
    reloads.add({{"result", "applied"}}, number(sys.reloads_applied));
    reloads.add({{"result", "failed"}}, number(sys.reloads_failed));
    fam("sightline_config_last_reload_successful", "gauge", "1 unless the last reload was refused.")
        .add({}, sys.reload_problems.empty() ? 1 : 0);
    if (sys.last_reload_unix_s)
        fam("sightline_config_last_reload_timestamp_seconds", "gauge", "When the last reload was asked for (unix time).")
            .add({}, *sys.last_reload_unix_s);
    if (sys.websocket_clients)
        fam("sightline_websocket_clients", "gauge", "Connected WebSocket clients.").add({}, number(*sys.websocket_clients));
    if (sys.websocket_frames_dropped_by_type) {
        auto& dropped = fam("sightline_websocket_frames_dropped_total", "counter",
                            "Frames WebSocket clients that fell behind lost, by type.");
        for (const auto& [type, n] : *sys.websocket_frames_dropped_by_type) dropped.add({{"type", type}}, number(n));
    }
    if (sys.websocket_queued_bytes)
        fam("sightline_websocket_queued_bytes", "gauge", "Bytes queued for all WebSocket clients together.")
            .add({}, number(*sys.websocket_queued_bytes));
    for (const auto& [name, n] : sys.http_tls)
        fam("sightline_http_" + name + "_total", "counter", "The HTTP server's " + name + " (README \"TLS\").")
            .add({}, number(n));
    fam("sightline_cpu_ratio", "gauge", "CPU used by the process over the last tick (1 = one core).")
        .add({}, sys.cpu_percent / 100.0);

    if (stats.alerts) {
        const auto& alerts = *stats.alerts;
        auto& firing = fam("sightline_alerts_firing", "gauge", "Firing alerts, by rule.");
        auto& pending = fam("sightline_alerts_pending", "gauge", "Pending alerts (condition holds, for_ms not yet passed), by rule.");
        for (const auto& r : alerts.by_rule) {
            labels l{{"alertname", r.alertname}, {"severity", r.severity}};
            firing.add(l, number(r.firing));
            pending.add(l, number(r.pending));
        }
        if (alerts.delivery) {
            auto& sent = fam("sightline_alert_deliveries_total", "counter", "Alert messages a receiver accepted.");
            auto& failed = fam("sightline_alert_delivery_failures_total", "counter", "Failed delivery attempts.");
            auto& retried = fam("sightline_alert_delivery_retries_total", "counter", "Delivery retries.");
            auto& dropped_msgs = fam("sightline_alert_delivery_dropped_total", "counter",
                                     "Alert messages given up (attempts exhausted or queue full).");
            auto& queued = fam("sightline_alert_delivery_queue_length", "gauge", "Alert messages waiting for delivery.");
            for (const auto& r : *alerts.delivery) {
                labels l{{"receiver", r.receiver}, {"url", r.url}};
                sent.add(l, number(r.sent));
                failed.add(l, number(r.failed_attempts));
                retried.add(l, number(r.retries));
                dropped_msgs.add(l, number(r.dropped));
                queued.add(l, number(r.queued));
            }
        }
    }

    std::string text;
    for (const auto& fm : f) fm.write(text);
    return text;
}

}  // namespace sightline
