#include "sightline/alerts/rule_samples.hpp"

#include <algorithm>
#include <set>

namespace sightline {

namespace {

/// numerator / denominator, 0 when nothing moved, kept within [0, 1].
double ratio(double numerator, double denominator) {
    if (denominator <= 0) return numerator > 0 ? 1.0 : 0.0;
    return std::clamp(numerator / denominator, 0.0, 1.0);
}

/// How much a counter grew over the tick (a component new this tick counts from 0).
template <class T, class Get>
double delta(const T& now, const T* before, Get get) {
    double a = static_cast<double>(get(now)), b = before ? static_cast<double>(get(*before)) : 0.0;
    return std::max(0.0, a - b);
}

double count_of(const named_counts& counts, const std::string& name) {
    auto it = counts.find(name);
    return it == counts.end() ? 0.0 : static_cast<double>(it->second);
}

/// Lines dropped during the tick: for every reason (`reason` empty) or one.
template <class T, class Get>
double dropped(const T& now, const T* before, const std::string& reason, Get total) {
    if (reason.empty()) return delta(now, before, total);
    return std::max(0.0, count_of(now.dropped_by_reason, reason) - (before ? count_of(before->dropped_by_reason, reason) : 0.0));
}

double value_of(const alert_rule& r, const std::string& reason, const stage_stats& now, const stage_stats* before,
                const pipeline_stats&, const pipeline_stats&) {
    const auto& e = r.expr;
    auto in = delta(now, before, [](const stage_stats& s) { return s.lines_in; });
    if (e == "error_rate") return ratio(delta(now, before, [](const stage_stats& s) { return s.errors; }), in);
    if (e == "drop_rate") return ratio(dropped(now, before, reason, [](const stage_stats& s) { return s.dropped; }), in);
    if (e == "lines_per_second") return now.rates.lines_per_second;
    if (e == "utilization") return now.rates.utilization;
    if (e == "queue_fill") return now.rates.queue_fill;
    if (e == "latency_p99_us") return now.latency_us.p99;
    if (e == "circuit_open") return now.circuit && now.circuit->state != "closed" ? 1.0 : 0.0;
    return 0;
}

double value_of(const alert_rule& r, const std::string& reason, const source_stats& now, const source_stats* before,
                const pipeline_stats& stats, const pipeline_stats& previous) {
    const auto& e = r.expr;
    if (e == "error_rate")
        return ratio(delta(now, before, [](const source_stats& s) { return s.errors; }),
                     delta(now, before, [](const source_stats& s) { return s.lines; }));
    if (e == "drop_rate") {
        double d = dropped(now, before, reason, [](const source_stats& s) { return s.dropped(); });
        return ratio(d, delta(now, before, [](const source_stats& s) { return s.lines; }) + d);
    }
    if (e == "lines_per_second") return now.lines_per_second;
    if (e == "paused_ratio") {
        double elapsed_ms = (stats.system.uptime_s - previous.system.uptime_s) * 1000.0;
        if (elapsed_ms <= 0) return now.paused ? 1.0 : 0.0;
        double paused = std::max(0.0, now.paused_ms_total - (before ? before->paused_ms_total : 0.0));
        return ratio(paused, elapsed_ms);
    }
    return 0;
}

double value_of(const alert_rule& r, const std::string&, const sink_stats& now, const sink_stats* before,
                const pipeline_stats&, const pipeline_stats&) {
    if (r.expr == "error_rate") {
        double errors = delta(now, before, [](const sink_stats& s) { return s.errors; });
        return ratio(errors, delta(now, before, [](const sink_stats& s) { return s.lines; }) + errors);
    }
    if (r.expr == "lines_per_second") return now.lines_per_second;
    if (r.expr == "buffer_fill")
        return now.buffer && now.buffer->max_bytes ? ratio(static_cast<double>(now.buffer->bytes), static_cast<double>(now.buffer->max_bytes)) : 0.0;
    if (r.expr == "buffer_oldest_age_s") return now.buffer ? now.buffer->oldest_age_ms / 1000.0 : 0.0;
    if (r.expr == "disconnected_s")
        return now.delivery && !now.delivery->connected && now.delivery->in_flight_lines > 0 ? now.delivery->disconnected_ms / 1000.0
                                                                                            : 0.0;
    return 0;
}

double system_value(const alert_rule& r, const system_stats& now) {
    if (r.expr == "lines_per_second") return now.lines_per_second;
    if (r.expr == "rss_bytes") return static_cast<double>(now.rss_bytes);
    if (r.expr == "cpu_ratio") return now.cpu_percent / 100.0;
    return 0;
}

std::map<std::string, std::string> base_labels(const alert_rule& rule) {
    std::map<std::string, std::string> l = rule.labels;
    l["alertname"] = rule.name;
    l["severity"] = rule.severity;
    return l;
}

/// One sample per reason (one, or every reason seen now or before with "*") of each
/// selected component of `list`.
template <class T, class Find>
void sample_components(const alert_rule& rule, const std::vector<T>& list, Find find_before,
                       const pipeline_stats& stats, const pipeline_stats& previous, std::vector<alert_sample>& out) {
    for (const auto& now : list) {
        if (rule.selector != "*" && now.id != rule.selector) continue;
        const T* before = find_before(now.id);
        std::vector<std::string> reasons;
        if (rule.reason == "*") {
            std::set<std::string> seen;
            if constexpr (requires { now.dropped_by_reason; }) {
                for (const auto& kv : now.dropped_by_reason) seen.insert(kv.first);
                if (before)
                    for (const auto& kv : before->dropped_by_reason) seen.insert(kv.first);
            }
            reasons.assign(seen.begin(), seen.end());
        } else {
            reasons.push_back(rule.reason);
        }
        for (const auto& reason : reasons) {
            alert_sample s;
            s.labels = base_labels(rule);
            s.labels[std::string(to_string(rule.subject))] = now.id;
            if (!reason.empty()) s.labels["reason"] = reason;
            s.value = value_of(rule, reason, now, before, stats, previous);
            out.push_back(std::move(s));
        }
    }
}

}  // namespace

std::vector<alert_sample> sample_rule(const alert_rule& rule, const pipeline_stats& stats, const pipeline_stats& previous) {
    std::vector<alert_sample> out;
    switch (rule.subject) {
    case alert_subject::system: out.push_back({base_labels(rule), system_value(rule, stats.system)}); break;
    case alert_subject::stage:
        sample_components(rule, stats.stages, [&](const std::string& id) { return previous.find_stage(id); }, stats, previous, out);
        break;
    case alert_subject::source:
        sample_components(rule, stats.sources, [&](const std::string& id) { return previous.find_source(id); }, stats, previous, out);
        break;
    case alert_subject::sink:
        sample_components(rule, stats.sinks, [&](const std::string& id) { return previous.find_sink(id); }, stats, previous, out);
        break;
    }
    return out;
}

}  // namespace sightline
