#pragma once
#include <boost/json/object.hpp>
#include <chrono>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sightline/alerts/alert_rule.hpp"
#include "sightline/observe/health.hpp"
#include "sightline/observe/stats.hpp"

namespace sightline {

/// A label or annotation map as a JSON object.
boost::json::object to_json(const std::map<std::string, std::string>& labels);

/// inactive -> pending -> firing -> resolved (pending falls back to inactive silently).
enum class alert_state { pending, firing, resolved };
std::string_view to_string(alert_state s);

/// One alert instance: a rule applied to one label set.
struct alert {
    std::map<std::string, std::string> labels;       // alertname, severity, stage|source|sink, ...
    std::map<std::string, std::string> annotations;  // summary
    alert_state state = alert_state::pending;
    double value = 0;
    double threshold = 0;
    std::chrono::system_clock::time_point active_at;              // the condition first held
    std::optional<std::chrono::system_clock::time_point> starts_at;  // it fired
    std::optional<std::chrono::system_clock::time_point> ends_at;    // it resolved

    /// {"labels","annotations","state","value","threshold","active_at","starts_at","ends_at"}.
    boost::json::object to_json() const;
};

/// Evaluates alert rules on each stats snapshot and keeps one instance per rule and
/// label set, like Prometheus: a condition that holds is pending until it has held for
/// `for_ms`, then firing until it stops holding (resolved). Not thread-safe: the
/// observer calls it on its strand only.
class alert_evaluator {
public:
    alert_evaluator(std::vector<alert_rule> rules, std::size_t history_capacity);

    /// Evaluates every rule against `stats` (and `previous`, for rates over the tick).
    /// Returns the alerts whose state changed: newly pending, firing or resolved. Each
    /// transition is logged once.
    std::vector<alert> evaluate(const pipeline_stats& stats, const pipeline_stats& previous,
                                std::chrono::system_clock::time_point wall, std::chrono::steady_clock::time_point now);

    /// Pending and firing alerts, ordered by alertname then labels.
    std::vector<alert> active() const;
    /// Firing alerts of severity "critical" (they degrade /health).
    std::vector<alert> firing_critical() const;
    /// GET /alerts: {"active": [...], "history": [...newest first]}.
    boost::json::object to_json() const;
    /// The alerts part of a snapshot (/stats "alerts", the sightline_alerts_* metrics);
    /// delivery counters are the caller's to add.
    alerts_stats summary() const;
    const std::vector<alert_rule>& rules() const { return rules_; }

private:
    struct instance {
        alert a;
        std::chrono::steady_clock::time_point since;
    };
    void remember(const alert& a);

    std::vector<alert_rule> rules_;
    std::map<std::string, instance> active_;  // key: rule index and labels
    std::deque<alert> history_;               // transitions to firing and resolved, newest first
    std::size_t history_capacity_;
};

/// Adds an "alerts" component to a health report: degraded, naming them, while
/// critical alerts fire; healthy otherwise. The overall status is raised to match.
void apply_alerts_to_health(health_report& health, const std::vector<alert>& firing_critical);

}  // namespace sightline
