#pragma once
#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sightline/alerts/alert_rule.hpp"
#include "sightline/core/http_url.hpp"
#include "sightline/core/problems.hpp"
#include "sightline/core/tls_client.hpp"

namespace sightline {

/// How alerts are handed to Alertmanager and webhooks.
struct alert_delivery_config {
    std::int64_t timeout_ms = 5000;      // one HTTP attempt, connect to response
    std::int64_t max_attempts = 8;       // per message, the first included
    std::int64_t backoff_ms = 500;       // before the first retry; doubles each time
    std::int64_t max_backoff_ms = 30000;
    std::int64_t queue_capacity = 256;   // messages waiting per receiver; the oldest goes first
};

/// Where alerts are POSTed, and how its certificate is checked when the URL is https://.
struct alert_receiver {
    http_url url;
    std::optional<tls_client_settings> tls;  // only with https (absent: the system's CAs)
};

/// The `alerts` section.
struct alerts_config {
    std::vector<alert_rule> rules;
    /// True when the config gave no `rules` key: the built-in rules apply.
    bool built_in_rules = true;
    std::optional<alert_receiver> alertmanager;
    /// Firing alerts are sent to Alertmanager again this often (like Prometheus).
    std::int64_t resend_interval_ms = 60000;
    std::vector<alert_receiver> webhooks;
    alert_delivery_config delivery;
    /// Alert transitions kept for GET /alerts.
    std::int64_t history_capacity = 500;
};

/// Parses the `alerts` section (null: absent). Every problem goes to `found` with its
/// JSON path, e.g. `alerts.rules[1].expr`. Without `rules`, the built-in rules apply.
alerts_config parse_alerts_config(const boost::json::object* section, problems& found);

/// The rules used when the config has none (README "Alerts" documents them).
std::vector<alert_rule> default_alert_rules();

/// Checks that rule selectors name existing components of the right kind (after the
/// command line replaced sources and sinks). Built-in rules use "*" and always pass.
void check_alert_selectors(const alerts_config& cfg, const std::vector<std::string>& stages,
                           const std::vector<std::string>& sources, const std::vector<std::string>& sinks,
                           problems& found);

}  // namespace sightline
