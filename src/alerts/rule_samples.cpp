#include "sightline/alerts/rule_samples.hpp"

#include <algorithm>
#include <set>

namespace sightline {

namespace json = boost::json;

namespace {

const json::object& child(const json::object& o, std::string_view key) {
    static const json::object empty;
    auto it = o.find(key);
    return it != o.end() && it->value().is_object() ? it->value().as_object() : empty;
}

double num(const json::object& o, std::string_view key) {
    auto it = o.find(key);
    return it != o.end() && it->value().is_number() ? it->value().to_number<double>() : 0.0;
}

/// numerator / denominator, 0 when nothing moved, kept within [0, 1].
double ratio(double numerator, double denominator) {
    if (denominator <= 0) return numerator > 0 ? 1.0 : 0.0;
    return std::clamp(numerator / denominator, 0.0, 1.0);
}

std::string_view group_of(alert_subject s) {
    switch (s) {
    case alert_subject::stage: return "processors";
    case alert_subject::source: return "sources";
    case alert_subject::sink: return "sinks";
    case alert_subject::system: return "system";
    }
    return "";
}

/// The expression for one component: `now` and `before` are its entries in two
/// consecutive snapshots (`before` empty on the first tick).
double value_of(const alert_rule& r, const std::string& reason, const json::object& now, const json::object& before,
                const json::object& sys_now, const json::object& sys_before) {
    auto delta = [&](std::string_view k) { return std::max(0.0, num(now, k) - num(before, k)); };
    auto dropped = [&]() {
        if (reason.empty()) return delta("dropped");
        return std::max(0.0, num(child(now, "dropped_by_reason"), reason) - num(child(before, "dropped_by_reason"), reason));
    };
    const auto& e = r.expr;
    if (e == "error_rate") {
        if (r.subject == alert_subject::stage) return ratio(delta("errors"), delta("lines_in"));
        if (r.subject == alert_subject::source) return ratio(delta("errors"), delta("lines"));
        return ratio(delta("errors"), delta("lines") + delta("errors"));
    }
    if (e == "drop_rate") {
        if (r.subject == alert_subject::stage) return ratio(dropped(), delta("lines_in"));
        return ratio(dropped(), delta("lines") + dropped());
    }
    if (e == "lines_per_second" || e == "utilization" || e == "queue_fill" || e == "rss_bytes") return num(now, e);
    if (e == "latency_p99_us") return num(child(now, "latency_us"), "p99");
    if (e == "cpu_ratio") return num(now, "cpu_percent") / 100.0;
    if (e == "circuit_open") {
        auto c = child(now, "circuit").find("state");
        return c != child(now, "circuit").end() && c->value().is_string() && c->value().as_string() != "closed" ? 1.0 : 0.0;
    }
    if (e == "paused_ratio") {
        double elapsed_ms = (num(sys_now, "uptime_s") - num(sys_before, "uptime_s")) * 1000.0;
        auto paused = now.find("paused");
        bool paused_now = paused != now.end() && paused->value().is_bool() && paused->value().as_bool();
        if (elapsed_ms <= 0) return paused_now ? 1.0 : 0.0;
        return ratio(delta("paused_ms_total"), elapsed_ms);
    }
    return 0;
}

}  // namespace

std::vector<alert_sample> sample_rule(const alert_rule& rule, const json::object& stats, const json::object& previous) {
    std::vector<alert_sample> out;
    const auto& sys_now = child(stats, "system");
    const auto& sys_before = child(previous, "system");
    auto base_labels = [&] {
        std::map<std::string, std::string> l = rule.labels;
        l["alertname"] = rule.name;
        l["severity"] = rule.severity;
        return l;
    };
    auto add = [&](const std::string& id, const json::object& now, const json::object& before) {
        std::vector<std::string> reasons;
        if (rule.reason == "*") {
            std::set<std::string> seen;
            for (const auto* o : {&now, &before})
                for (const auto& kv : child(*o, "dropped_by_reason")) seen.emplace(kv.key());
            reasons.assign(seen.begin(), seen.end());
        } else {
            reasons.push_back(rule.reason);
        }
        for (const auto& reason : reasons) {
            alert_sample s;
            s.labels = base_labels();
            if (!id.empty()) s.labels[std::string(to_string(rule.subject))] = id;
            if (!reason.empty()) s.labels["reason"] = reason;
            s.value = value_of(rule, reason, now, before, sys_now, sys_before);
            out.push_back(std::move(s));
        }
    };
    if (rule.subject == alert_subject::system) {
        add("", sys_now, sys_before);
        return out;
    }
    const auto& group = child(stats, group_of(rule.subject));
    const auto& previous_group = child(previous, group_of(rule.subject));
    for (const auto& kv : group) {
        if (rule.selector != "*" && kv.key() != rule.selector) continue;
        if (!kv.value().is_object()) continue;
        add(std::string(kv.key()), kv.value().as_object(), child(previous_group, kv.key()));
    }
    return out;
}

}  // namespace sightline
