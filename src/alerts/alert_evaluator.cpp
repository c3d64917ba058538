#include "sightline/alerts/alert_evaluator.hpp"

#include <boost/json/array.hpp>

#include "sightline/alerts/rule_samples.hpp"
#include "sightline/core/log.hpp"
#include "sightline/core/time_format.hpp"

namespace sightline {

namespace json = boost::json;

std::string_view to_string(alert_state s) {
    switch (s) {
    case alert_state::pending: return "pending";
    case alert_state::firing: return "firing";
    case alert_state::resolved: return "resolved";
    }
    return "";
}

json::object to_json(const std::map<std::string, std::string>& labels) {
    json::object o;
    for (const auto& [k, v] : labels) o[k] = v;
    return o;
}

namespace {

json::value time_or_null(const std::optional<std::chrono::system_clock::time_point>& t) {
    return t ? json::value(format_rfc3339(*t)) : json::value(nullptr);
}

std::string key_of(std::size_t rule, const std::map<std::string, std::string>& labels) {
    std::string k = std::to_string(rule);
    for (const auto& [name, value] : labels) k += '\x1f' + name + '=' + value;
    return k;
}

/// "HighErrorRate{stage=enrich}" for logs and health reasons.
std::string describe(const alert& a) {
    std::string s = a.labels.count("alertname") ? a.labels.at("alertname") : "alert";
    std::string inner;
    for (const auto& [k, v] : a.labels)
        if (k != "alertname" && k != "severity") inner += (inner.empty() ? "" : ",") + k + "=" + v;
    return inner.empty() ? s : s + "{" + inner + "}";
}

void log_transition(const alert& a) {
    auto l = a.state == alert_state::firing ? log::level::warn : a.state == alert_state::resolved ? log::level::info : log::level::debug;
    if (!log::enabled(l)) return;
    json::object fields{{"alert", describe(a)}, {"severity", a.labels.count("severity") ? a.labels.at("severity") : ""},
                        {"value", a.value}, {"threshold", a.threshold}};
    if (auto it = a.annotations.find("summary"); it != a.annotations.end()) fields["summary"] = it->second;
    log::write(l, "alerts", std::string("alert_") + std::string(to_string(a.state)), std::move(fields));
}

}  // namespace

json::object alert::to_json() const {
    return {{"labels", sightline::to_json(labels)},
            {"annotations", sightline::to_json(annotations)},
            {"state", to_string(state)},
            {"value", value},
            {"threshold", threshold},
            {"active_at", format_rfc3339(active_at)},
            {"starts_at", time_or_null(starts_at)},
            {"ends_at", time_or_null(ends_at)}};
}

alert_evaluator::alert_evaluator(std::vector<alert_rule> rules, std::size_t history_capacity)
    : rules_(std::move(rules)), history_capacity_(std::max<std::size_t>(1, history_capacity)) {}

std::vector<alert> alert_evaluator::evaluate(const pipeline_stats& stats, const pipeline_stats& previous,
                                             std::chrono::system_clock::time_point wall,
                                             std::chrono::steady_clock::time_point now) {
    std::vector<alert> changed;
    std::map<std::string, instance> still_active;
    for (std::size_t i = 0; i < rules_.size(); ++i) {
        const auto& rule = rules_[i];
        for (auto& sample : sample_rule(rule, stats, previous)) {
            bool holds = rule.above ? sample.value > rule.threshold : sample.value < rule.threshold;
            if (!holds) continue;
            auto key = key_of(i, sample.labels);
            auto it = active_.find(key);
            bool is_new = it == active_.end();
            instance inst;
            if (!is_new) {
                inst = std::move(it->second);
                active_.erase(it);
            } else {
                inst.since = now;
                inst.a.labels = std::move(sample.labels);
                inst.a.active_at = wall;
                inst.a.threshold = rule.threshold;
                inst.a.state = alert_state::pending;
            }
            inst.a.value = sample.value;
            inst.a.annotations["summary"] = rule.summary.render(inst.a.labels, inst.a.value, rule.threshold);
            if (inst.a.state == alert_state::pending && now - inst.since >= std::chrono::milliseconds(rule.for_ms)) {
                inst.a.state = alert_state::firing;
                inst.a.starts_at = wall;
                changed.push_back(inst.a);
                remember(inst.a);
            } else if (is_new) {
                changed.push_back(inst.a);  // newly pending
            }
            still_active.emplace(std::move(key), std::move(inst));
        }
    }
    // What no longer holds: firing alerts resolve; pending ones go back to inactive.
    for (auto& [key, inst] : active_) {
        if (inst.a.state != alert_state::firing) continue;
        inst.a.state = alert_state::resolved;
        inst.a.ends_at = wall;
        changed.push_back(inst.a);
        remember(inst.a);
    }
    active_ = std::move(still_active);
    for (const auto& a : changed) log_transition(a);
    return changed;
}

void alert_evaluator::remember(const alert& a) {
    history_.push_front(a);
    while (history_.size() > history_capacity_) history_.pop_back();
}

std::vector<alert> alert_evaluator::active() const {
    std::vector<alert> out;
    for (const auto& [key, inst] : active_) out.push_back(inst.a);
    std::stable_sort(out.begin(), out.end(), [](const alert& a, const alert& b) { return a.labels < b.labels; });
    return out;
}

std::vector<alert> alert_evaluator::firing_critical() const {
    std::vector<alert> out;
    for (const auto& a : active())
        if (a.state == alert_state::firing && a.labels.count("severity") && a.labels.at("severity") == "critical")
            out.push_back(a);
    return out;
}

json::object alert_evaluator::to_json() const {
    json::array active_list, history_list;
    for (const auto& a : active()) active_list.push_back(a.to_json());
    for (const auto& a : history_) history_list.push_back(a.to_json());
    return {{"active", std::move(active_list)}, {"history", std::move(history_list)}};
}

alerts_stats alert_evaluator::summary() const {
    // One entry per alertname and severity, zero included, so Prometheus sees 0 before 1.
    std::map<std::pair<std::string, std::string>, std::pair<std::uint64_t, std::uint64_t>> counts;
    for (const auto& r : rules_) counts[{r.name, r.severity}];
    alerts_stats out;
    for (const auto& a : active()) {
        auto& c = counts[{a.labels.at("alertname"), a.labels.at("severity")}];
        if (a.state == alert_state::firing) {
            ++c.first;
            ++out.firing;
        } else {
            ++c.second;
            ++out.pending;
        }
        out.active.push_back(a.to_json());
    }
    for (const auto& [k, c] : counts) out.by_rule.push_back({k.first, k.second, c.first, c.second});
    return out;
}

void apply_alerts_to_health(health_report& health, const std::vector<alert>& firing_critical) {
    if (firing_critical.empty()) {
        health.judge({"alerts", "alerts", health_status::healthy, ""});
        return;
    }
    std::string reason = "critical alert" + std::string(firing_critical.size() > 1 ? "s" : "") + " firing: ";
    for (std::size_t i = 0; i < firing_critical.size(); ++i) reason += (i ? ", " : "") + describe(firing_critical[i]);
    health.judge({"alerts", "alerts", health_status::degraded, reason});
}

}  // namespace sightline
