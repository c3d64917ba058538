#include "sightline/observe/stats_json.hpp"

#include "sightline/core/time_format.hpp"

namespace sightline {

namespace json = boost::json;

namespace {

json::object to_json(const named_counts& counts) {
    json::object o;
    for (const auto& [name, n] : counts) o[name] = n;
    return o;
}

template <class T>
void put_optional(json::object& o, std::string_view key, const std::optional<T>& v) {
    if (v) o[key] = *v;
}

json::value string_or_null(const std::optional<std::string>& v) {
    if (v) return json::value(*v);
    return nullptr;
}

json::object stage_json(const stage_stats& s) {
    json::object o;
    o["type"] = s.type;
    o["lines_in"] = s.lines_in;
    o["lines_out"] = s.lines_out;
    o["dropped"] = s.dropped;
    o["dropped_by_reason"] = to_json(s.dropped_by_reason);
    o["errors"] = s.errors;
    o["errors_by_type"] = to_json(s.errors_by_type);
    o["parse_failures"] = to_json(s.parse_failures);
    o["retries"] = s.retries;
    o["in_flight"] = s.in_flight;
    o["batches"] = s.batches;
    o["processing_time_ms"] = s.processing_time_ms;
    o["latency_us"] = {{"p50", s.latency_us.p50}, {"p90", s.latency_us.p90}, {"p99", s.latency_us.p99}, {"max", s.latency_us.max}};
    json::array le, counts;
    for (const auto& b : s.latency_buckets) {
        le.emplace_back(b.le_us);
        counts.emplace_back(b.count);
    }
    o["latency_buckets"] = {{"le_us", std::move(le)}, {"counts", std::move(counts)}};
    o["retry_pending"] = s.retry_pending;
    if (s.circuit)
        o["circuit"] = {{"state", s.circuit->state}, {"opens", s.circuit->opens}, {"transitions", s.circuit->transitions}};
    o["queued_batches"] = s.queued_batches;
    o["queue_capacity"] = s.queue_capacity;
    if (s.retired) o["retired"] = true;
    const auto& r = s.rates;
    o["lines_per_second"] = r.lines_per_second;
    o["lines_per_second_1m"] = r.lines_per_second_1m;
    o["lines_out_per_second"] = r.lines_out_per_second;
    o["errors_per_second"] = r.errors_per_second;
    o["utilization"] = r.utilization;
    o["utilization_1m"] = r.utilization_1m;
    o["queue_fill"] = r.queue_fill;
    o["queue_fill_1m"] = r.queue_fill_1m;
    return o;
}

json::object source_json(const source_stats& s) {
    json::object o;
    o["type"] = s.type;
    o["lines"] = s.lines;
    o["bytes"] = s.bytes;
    o["truncated"] = s.truncated;
    o["errors"] = s.errors;
    o["dropped"] = s.dropped();
    o["dropped_by_reason"] = to_json(s.dropped_by_reason);
    o["connections_accepted"] = s.connections_accepted;
    o["connections_active"] = s.connections_active();
    o["connections_closed"] = s.connections_closed;
    o["connections_refused"] = s.connections_refused;
    put_optional(o, "datagrams", s.datagrams);
    put_optional(o, "kernel_dropped_datagrams", s.kernel_dropped_datagrams);
    put_optional(o, "bad_frames", s.bad_frames);
    for (const auto& [name, n] : s.figures) o[name] = n;
    o["paused"] = s.paused;
    o["running"] = s.running;
    if (s.retired) o["retired"] = true;
    o["paused_ms_total"] = s.paused_ms_total;
    o["lines_per_second"] = s.lines_per_second;
    o["lines_per_second_1m"] = s.lines_per_second_1m;
    return o;
}

json::object sink_json(const sink_stats& s) {
    json::object o{{"type", s.type}, {"lines", s.lines}, {"bytes", s.bytes}, {"errors", s.errors}, {"flushes", s.flushes}};
    put_optional(o, "path", s.path);
    put_optional(o, "disk_free_bytes", s.disk_free_bytes);
    if (s.delivery) {
        const auto& d = *s.delivery;
        // Flat beside lines/errors: lines is what the server acknowledged, errors what
        // went to the dead letter; accepted = lines + errors + in_flight_lines.
        o["connected"] = d.connected;
        o["disconnected_ms"] = d.disconnected_ms;
        o["accepted"] = d.accepted;
        o["in_flight_lines"] = d.in_flight_lines;
        o["in_flight_messages"] = d.in_flight_messages;
        o["delivered_messages"] = d.delivered_messages;
        o["retries"] = d.retries;
        o["retrying"] = d.retrying;
        put_optional(o, "duplicates", d.duplicates);
        o["last_error"] = d.last_error;
        if (d.last_error_at) o["last_error_at"] = *d.last_error_at;
        o["delivery_latency_us"] = {{"p50", d.latency_us.p50}, {"p90", d.latency_us.p90}, {"p99", d.latency_us.p99},
                                    {"max", d.latency_us.max}};
    }
    if (s.buffer) {
        const auto& b = *s.buffer;
        o["buffer"] = {{"type", b.type}, {"path", b.path}, {"max_bytes", b.max_bytes}, {"bytes", b.bytes},
                       {"lines", b.lines}, {"segments", b.segments}, {"accepted", b.accepted},
                       {"dropped", b.dropped}, {"dropped_by_reason", b.dropped ? json::object{{"buffer_full", b.dropped}} : json::object{}},
                       {"write_errors", b.write_errors}, {"torn_records", b.torn_records},
                       {"recovered_lines", b.recovered_lines}, {"oldest_age_ms", b.oldest_age_ms}, {"blocked", b.blocked}};
    }
    o["lines_per_second"] = s.lines_per_second;
    if (s.retired) o["retired"] = true;
    return o;
}

json::object system_json(const system_stats& s) {
    json::object o;
    o["total_lines"] = s.total_lines;
    o["total_processing_time_ms"] = s.total_processing_time_ms;
    o["lines_per_second"] = s.lines_per_second;
    o["lines_per_second_1m"] = s.lines_per_second_1m;
    o["total_errors"] = s.total_errors;
    o["uptime_s"] = s.uptime_s;
    o["rss_bytes"] = s.rss_bytes;
    o["peak_rss_bytes"] = s.peak_rss_bytes;
    o["cpu_seconds"] = s.cpu_seconds;
    o["cpu_percent"] = s.cpu_percent;
    o["open_fds"] = s.open_fds;
    o["max_fds"] = s.max_fds;
    o["start_time_unix_s"] = s.start_time_unix_s;
    o["host_memory_available_bytes"] = s.host_memory_available_bytes;
    if (!s.version.empty()) o["version"] = s.version;
    o["traces_recorded"] = s.traces_recorded;
    o["trace_sample"] = s.trace_sample ? json::value(*s.trace_sample) : json::value(nullptr);
    o["errors_recorded"] = s.errors_recorded;
    o["bottleneck_stage"] = string_or_null(s.bottleneck_stage);
    o["bottleneck_stage_1m"] = string_or_null(s.bottleneck_stage_1m);
    json::array problems;
    for (const auto& p : s.reload_problems) problems.emplace_back(p);
    o["reloads"] = {{"applied", s.reloads_applied},
                    {"failed", s.reloads_failed},
                    {"last_at_unix_s", s.last_reload_unix_s ? json::value(*s.last_reload_unix_s) : json::value(nullptr)},
                    {"last_problems", std::move(problems)}};
    put_optional(o, "websocket_clients", s.websocket_clients);
    put_optional(o, "websocket_frames_dropped", s.websocket_frames_dropped);
    if (s.websocket_frames_dropped_by_type) o["websocket_frames_dropped_by_type"] = to_json(*s.websocket_frames_dropped_by_type);
    put_optional(o, "websocket_queued_bytes", s.websocket_queued_bytes);
    put_optional(o, "websocket_slow_clients_closed", s.websocket_slow_clients_closed);
    if (!s.http_tls.empty()) {
        json::object tls;
        for (const auto& [name, n] : s.http_tls) tls[name] = n;
        o["http_tls"] = std::move(tls);
    }
    if (s.timestamp) o["timestamp"] = format_rfc3339(*s.timestamp);
    return o;
}

json::object alerts_json(const alerts_stats& a) {
    json::array by_rule;
    for (const auto& r : a.by_rule)
        by_rule.push_back(json::object{{"alertname", r.alertname}, {"severity", r.severity}, {"firing", r.firing}, {"pending", r.pending}});
    json::object o{{"firing", a.firing}, {"pending", a.pending}, {"active", a.active}, {"by_rule", std::move(by_rule)}};
    if (a.delivery) {
        json::array receivers;
        for (const auto& r : *a.delivery)
            receivers.push_back(json::object{{"receiver", r.receiver},
                                             {"url", r.url},
                                             {"sent", r.sent},
                                             {"failed_attempts", r.failed_attempts},
                                             {"retries", r.retries},
                                             {"dropped", r.dropped},
                                             {"queued", r.queued},
                                             {"failing", r.failing}});
        o["delivery"] = {{"receivers", std::move(receivers)}};
    }
    return o;
}

}  // namespace

json::object to_json(const pipeline_stats& s) {
    json::object processors, sources, sinks;
    for (const auto& x : s.stages) processors[x.id] = stage_json(x);
    for (const auto& x : s.sources) sources[x.id] = source_json(x);
    for (const auto& x : s.sinks) sinks[x.id] = sink_json(x);
    json::object o{{"processors", std::move(processors)},
                   {"sources", std::move(sources)},
                   {"sinks", std::move(sinks)},
                   {"system", system_json(s.system)}};
    if (s.alerts) o["alerts"] = alerts_json(*s.alerts);
    return o;
}

json::object to_json(const health_report& h) {
    json::object components;
    for (const auto& c : h.components)
        components[c.id] = {{"kind", c.kind}, {"status", to_string(c.status)}, {"reason", c.reason}};
    return {{"status", to_string(h.status)}, {"components", std::move(components)}};
}

json::object completion_json(const pipeline_stats& s, double seconds) {
    json::object per_stage;
    for (const auto& x : s.stages)
        per_stage[x.id] = {{"in", x.lines_in}, {"out", x.lines_out}, {"dropped", x.dropped}, {"errors", x.errors}};
    double total = static_cast<double>(s.system.total_lines);
    return {{"total_lines", s.system.total_lines},
            {"seconds", seconds},
            {"lines_per_second", seconds > 0 ? total / seconds : 0.0},
            {"stages", std::move(per_stage)}};
}

}  // namespace sightline
