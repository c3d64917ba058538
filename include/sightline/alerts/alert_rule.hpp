#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "sightline/alerts/alert_template.hpp"

namespace sightline {

/// What a rule watches: stages, sources, sinks, or the whole process.
enum class alert_subject { stage, source, sink, system };

/// The selector key of a subject ("stage", "source", "sink"; "" for system).
std::string_view to_string(alert_subject s);

/// One quantity a rule can compare, and the subjects it exists for.
struct alert_expr_info {
    std::string_view name;
    std::vector<alert_subject> subjects;
    std::string_view doc;
};

/// Every `expr` a rule may use (README "Alerts" lists them from here).
const std::vector<alert_expr_info>& alert_exprs();
const alert_expr_info* find_alert_expr(std::string_view name);

/// One configured (or built-in) alert rule.
struct alert_rule {
    std::string name;
    std::string expr;
    alert_subject subject = alert_subject::system;
    /// Component id or "*" (every component of the subject kind); empty for system.
    std::string selector;
    /// drop_rate only: "" for all reasons together, "*" for one alert per reason, or one reason.
    std::string reason;
    bool above = true;  // fire when value > threshold (else when value < threshold)
    double threshold = 0;
    std::int64_t for_ms = 0;
    std::string severity = "warning";
    alert_template summary;
    /// Extra labels attached to every alert of this rule.
    std::map<std::string, std::string> labels;
    /// JSON path of the rule in the config ("alerts.rules[2]"), or "built-in".
    std::string path;
};

}  // namespace sightline
