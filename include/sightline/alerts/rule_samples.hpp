#pragma once
#include <map>
#include <string>
#include <vector>

#include "sightline/alerts/alert_rule.hpp"
#include "sightline/observe/stats.hpp"

namespace sightline {

/// One value of a rule's expression, with the labels that name what it measures.
struct alert_sample {
    std::map<std::string, std::string> labels;  // alertname, severity, stage|source|sink, reason, rule labels
    double value = 0;
};

/// The rule's expression evaluated over a snapshot (with rates, as /stats shows it) and
/// the previous one: one sample per selected component, and per drop reason when the
/// rule's reason is "*". Ratios of a tick with no lines are 0.
std::vector<alert_sample> sample_rule(const alert_rule& rule, const pipeline_stats& stats, const pipeline_stats& previous);

}  // namespace sightline
