#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "sightline/core/health_thresholds.hpp"
#include "sightline/observe/stats.hpp"

namespace sightline {

enum class health_status { healthy, degraded, unhealthy };
/// "healthy", "degraded" or "unhealthy".
std::string_view to_string(health_status s);

/// One component's judgement.
struct component_health {
    std::string id;
    std::string kind;  // "stage", "source", "sink", "alerts"
    health_status status = health_status::healthy;
    std::string reason;  // empty when healthy
    bool operator==(const component_health&) const = default;
};

/// The judgement of every component; the overall status is the worst component's.
struct health_report {
    health_status status = health_status::healthy;
    std::vector<component_health> components;

    /// Adds (or replaces) a component's judgement and raises the overall status to match.
    void judge(component_health c);
    const component_health* find(std::string_view id) const;
    bool operator==(const health_report&) const = default;
};

/// Judges health from two consecutive snapshots (what changed during the tick):
/// - a sink that failed writes: unhealthy;
/// - a stage whose circuit is open, whose share of failed lines passed the threshold, or
///   whose input hand-off is full: degraded;
/// - a network source that no longer listens: unhealthy;
/// - a source that dropped lines or datagrams (kernel) or is paused: degraded.
health_report evaluate_health(const pipeline_stats& now, const pipeline_stats& previous,
                              const health_thresholds& limits = {});

/// HTTP status for a health status: 503 when unhealthy, else 200.
unsigned health_http_status(health_status s);

}  // namespace sightline
