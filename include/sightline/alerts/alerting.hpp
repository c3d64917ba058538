#pragma once
#include <functional>
#include <memory>
#include <vector>

#include "sightline/alerts/alert_evaluator.hpp"
#include "sightline/observe/observer.hpp"

namespace sightline {

/// What the alert rules need on each tick.
struct alerting {
    std::shared_ptr<alert_evaluator> evaluator;
    /// Gets each tick's transitions and the alerts firing now, on the observer's strand.
    std::function<void(std::vector<alert> changed, std::vector<alert> firing)> on_change;
    /// Delivery counters for the snapshot (empty when no receiver is configured).
    std::function<std::vector<alert_receiver_stats>()> delivery_stats;
};

/// The observer's tick hook that evaluates the rules on each snapshot: it fills
/// stats.alerts, degrades health while critical alerts fire, and sets the snapshot's
/// /alerts document and `alert` frame.
tick_hook make_alert_hook(alerting a);

}  // namespace sightline
