#include "sightline/observe/prometheus.hpp"

#include <boost/json/value.hpp>
#include <algorithm>
#include <charconv>
#include <cmath>
#include <deque>
#include <sstream>
#include <vector>

namespace sightline {

namespace json = boost::json;

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

double number(const json::value& v) { return v.is_number() ? v.to_number<double>() : 0.0; }

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

std::string to_prometheus(const json::object& stats) {
    std::deque<family> f;  // deque: references to families stay valid as more are added
    auto fam = [&](std::string name, std::string type, std::string help) -> family& {
        f.emplace_back(std::move(name), std::move(type), std::move(help));
        return f.back();
    };
    using labels = std::vector<std::pair<std::string, std::string>>;

    const auto& procs = stats.at("processors").as_object();
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
    for (const auto& kv : procs) {
        const auto& s = kv.value().as_object();
        labels l{{"stage", std::string(kv.key())}, {"type", std::string(s.at("type").as_string())}};
        in.add(l, number(s.at("lines_in")));
        out.add(l, number(s.at("lines_out")));
        // Every error has a type; a stage with none still shows a zero series.
        const auto& by_type = s.at("errors_by_type").as_object();
        if (by_type.empty()) {
            auto le = l;
            le.emplace_back("error_type", "none");
            errors.add(le, 0);
        }
        for (const auto& t : by_type) {
            auto le = l;
            le.emplace_back("error_type", std::string(t.key()));
            errors.add(le, number(t.value()));
        }
        retries.add(l, number(s.at("retries")));
        util.add(l, number(s.at("utilization")));
        if (auto it = s.find("queue_fill"); it != s.end()) queue.add(l, number(it->value()));
        if (auto it = s.find("lines_per_second"); it != s.end()) rate.add(l, number(it->value()));
        if (auto it = s.find("retry_pending"); it != s.end()) retry_pending.add(l, number(it->value()));
        if (auto it = s.find("circuit"); it != s.end() && it->value().is_object()) {
            const auto& c = it->value().as_object();
            std::string_view state = c.at("state").as_string();
            circuit.add(l, state == "open" ? 1 : state == "half_open" ? 2 : 0);
            circuit_opens.add(l, number(c.at("opens")));
        }
        for (const auto& r : s.at("dropped_by_reason").as_object()) {
            auto lr = l;
            lr.emplace_back("reason", std::string(r.key()));
            dropped.add(lr, number(r.value()));
        }
        const auto& lat = s.at("latency_us").as_object();
        for (auto [p, key] : {std::pair{"p50", "p50"}, {"p90", "p90"}, {"p99", "p99"}, {"max", "max"}}) {
            auto lp = l;
            lp.emplace_back("percentile", p);
            quantiles.add(lp, number(lat.at(key)) / 1e6);
        }
        const auto& buckets = s.at("latency_buckets").as_object();
        const auto& le_us = buckets.at("le_us").as_array();
        const auto& counts = buckets.at("counts").as_array();
        for (std::size_t i = 0; i < le_us.size() && i < counts.size(); ++i) {
            auto lb = l;
            std::ostringstream le;  // shortest form: "1e-07", "0.001"
            le << number(le_us[i]) / 1e6;
            lb.emplace_back("le", le.str());
            latency.add_suffixed("_bucket", lb, number(counts[i]));
        }
        // The counters move while they are read: keep the histogram monotonic by never
        // letting the total fall below the last finite bucket.
        double total = number(s.at("lines_in"));
        if (!counts.empty()) total = std::max(total, number(counts.back()));
        auto lb = l;
        lb.emplace_back("le", "+Inf");
        latency.add_suffixed("_bucket", lb, total);
        // Per-line times add up to the stage's busy time, over every line taken in.
        latency.add_suffixed("_sum", l, number(s.at("processing_time_ms")) / 1000.0);
        latency.add_suffixed("_count", l, total);
    }

    const auto& sources = stats.at("sources").as_object();
    auto& s_lines = fam("sightline_source_lines_total", "counter", "Lines read by a source.");
    auto& s_bytes = fam("sightline_source_bytes_total", "counter", "Bytes read by a source.");
    auto& s_trunc = fam("sightline_source_truncated_lines_total", "counter", "Lines cut at max_line_bytes.");
    auto& s_drop = fam("sightline_source_dropped_total", "counter", "Lines a source dropped, by reason.");
    auto& s_conn = fam("sightline_source_connections_active", "gauge", "Open connections of a source.");
    auto& s_acc = fam("sightline_source_connections_accepted_total", "counter", "Connections accepted.");
    auto& s_ref = fam("sightline_source_connections_refused_total", "counter", "Connections refused (limit).");
    auto& s_kern = fam("sightline_source_kernel_dropped_datagrams_total", "counter", "Datagrams the kernel dropped.");
    auto& s_paused = fam("sightline_source_paused_seconds_total", "counter", "Time a source was paused by backpressure.");
    for (const auto& kv : sources) {
        const auto& s = kv.value().as_object();
        labels l{{"source", std::string(kv.key())}, {"type", std::string(s.at("type").as_string())}};
        s_lines.add(l, number(s.at("lines")));
        s_bytes.add(l, number(s.at("bytes")));
        s_trunc.add(l, number(s.at("truncated")));
        s_conn.add(l, number(s.at("connections_active")));
        s_acc.add(l, number(s.at("connections_accepted")));
        s_ref.add(l, number(s.at("connections_refused")));
        if (auto it = s.find("kernel_dropped_datagrams"); it != s.end()) s_kern.add(l, number(it->value()));
        if (auto it = s.find("paused_ms_total"); it != s.end()) s_paused.add(l, number(it->value()) / 1000.0);
        for (const auto& r : s.at("dropped_by_reason").as_object()) {
            auto lr = l;
            lr.emplace_back("reason", std::string(r.key()));
            s_drop.add(lr, number(r.value()));
        }
    }

    const auto& sinks = stats.at("sinks").as_object();
    auto& k_lines = fam("sightline_sink_lines_total", "counter", "Lines a sink wrote.");
    auto& k_bytes = fam("sightline_sink_bytes_total", "counter", "Bytes a sink wrote.");
    auto& k_err = fam("sightline_sink_errors_total", "counter", "Lines a sink failed to write.");
    for (const auto& kv : sinks) {
        const auto& s = kv.value().as_object();
        labels l{{"sink", std::string(kv.key())}, {"type", std::string(s.at("type").as_string())}};
        k_lines.add(l, number(s.at("lines")));
        k_bytes.add(l, number(s.at("bytes")));
        k_err.add(l, number(s.at("errors")));
    }

    const auto& sys = stats.at("system").as_object();
    fam("sightline_lines_total", "counter", "Lines read by all sources.").add({}, number(sys.at("total_lines")));
    fam("sightline_errors_total", "counter", "Errors everywhere.").add({}, number(sys.at("total_errors")));
    fam("sightline_lines_per_second", "gauge", "Lines read per second.").add({}, number(sys.at("lines_per_second")));
    fam("sightline_uptime_seconds", "gauge", "Seconds since start.").add({}, number(sys.at("uptime_s")));
    fam("sightline_build_info", "gauge", "Build of this binary.")
        .add({{"version", sys.contains("version") ? std::string(sys.at("version").as_string()) : "unknown"}}, 1);
    fam("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.").add({}, number(sys.at("rss_bytes")));
    fam("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.")
        .add({}, number(sys.at("cpu_seconds")));
    if (auto it = sys.find("open_fds"); it != sys.end())
        fam("process_open_fds", "gauge", "Number of open file descriptors.").add({}, number(it->value()));
    if (auto it = sys.find("max_fds"); it != sys.end())
        fam("process_max_fds", "gauge", "Maximum number of open file descriptors.").add({}, number(it->value()));
    if (auto it = sys.find("start_time_unix_s"); it != sys.end())
        fam("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.")
            .add({}, number(it->value()));
    auto& disk = fam("sightline_sink_disk_free_bytes", "gauge", "Free bytes on the file system of a file sink.");
    for (const auto& kv : sinks)
        if (auto it = kv.value().as_object().find("disk_free_bytes"); it != kv.value().as_object().end())
            disk.add({{"sink", std::string(kv.key())}}, number(it->value()));
    if (auto it = sys.find("websocket_clients"); it != sys.end())
        fam("sightline_websocket_clients", "gauge", "Connected WebSocket clients.").add({}, number(it->value()));
    if (auto it = sys.find("cpu_percent"); it != sys.end())
        fam("sightline_cpu_ratio", "gauge", "CPU used by the process over the last tick (1 = one core).")
            .add({}, number(it->value()) / 100.0);

    if (auto it = stats.find("alerts"); it != stats.end() && it->value().is_object()) {
        const auto& alerts = it->value().as_object();
        auto& firing = fam("sightline_alerts_firing", "gauge", "Firing alerts, by rule.");
        auto& pending = fam("sightline_alerts_pending", "gauge", "Pending alerts (condition holds, for_ms not yet passed), by rule.");
        for (const auto& r : alerts.at("by_rule").as_array()) {
            const auto& o = r.as_object();
            labels l{{"alertname", std::string(o.at("alertname").as_string())},
                     {"severity", std::string(o.at("severity").as_string())}};
            firing.add(l, number(o.at("firing")));
            pending.add(l, number(o.at("pending")));
        }
        if (auto d = alerts.find("delivery"); d != alerts.end() && d->value().is_object()) {
            auto& sent = fam("sightline_alert_deliveries_total", "counter", "Alert messages a receiver accepted.");
            auto& failed = fam("sightline_alert_delivery_failures_total", "counter", "Failed delivery attempts.");
            auto& retried = fam("sightline_alert_delivery_retries_total", "counter", "Delivery retries.");
            auto& dropped_msgs = fam("sightline_alert_delivery_dropped_total", "counter",
                                     "Alert messages given up (attempts exhausted or queue full).");
            auto& queued = fam("sightline_alert_delivery_queue_length", "gauge", "Alert messages waiting for delivery.");
            for (const auto& r : d->value().as_object().at("receivers").as_array()) {
                const auto& o = r.as_object();
                labels l{{"receiver", std::string(o.at("receiver").as_string())}, {"url", std::string(o.at("url").as_string())}};
                sent.add(l, number(o.at("sent")));
                failed.add(l, number(o.at("failed_attempts")));
                retried.add(l, number(o.at("retries")));
                dropped_msgs.add(l, number(o.at("dropped")));
                queued.add(l, number(o.at("queued")));
            }
        }
    }

    std::string text;
    for (const auto& fm : f) fm.write(text);
    return text;
}

}  // namespace sightline
