#pragma once
#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sightline/core/param_schema.hpp"
#include "sightline/core/problems.hpp"
#include "sightline/core/tls_settings.hpp"

namespace sightline {

/// A processor's `retry`: a failed line is tried again up to `max_attempts` times in
/// all, `backoff_ms` apart (doubling each time).
struct retry_policy {
    std::int64_t max_attempts = 3;
    std::int64_t backoff_ms = 100;
};

/// A processor's `circuit`: after `failure_threshold` failures within `window_ms` the
/// circuit opens and lines go straight to the dead letter; after `cooldown_ms` one
/// probe batch is let through, and a clean probe closes it.
struct circuit_policy {
    std::int64_t failure_threshold = 10;
    std::int64_t window_ms = 10000;
    std::int64_t cooldown_ms = 5000;
};

/// One source, processor or sink as configured.
struct component_config {
    std::string kind;  // "source", "processor" or "sink"
    std::string type;
    std::string id;
    /// JSON path in the config file, e.g. "processors[2]", for messages.
    std::string path;
    /// Parameters with defaults filled in (type, id and next excluded).
    boost::json::object params;
    /// Parameters as written by the user.
    boost::json::object given;
    /// Explicit `next` edges; nullopt means "the implicit next" (DESIGN.md §2).
    std::optional<std::vector<std::string>> next;
    std::optional<retry_policy> retry;
    std::optional<circuit_policy> circuit;
    /// False when the component itself had problems: it still takes part in the graph
    /// (so edges to it resolve and every other problem is found) but is never built.
    bool valid = true;
};

/// The `http` section.
struct http_config {
    bool enabled = true;
    std::string listen = "127.0.0.1:8000";
    std::string token;
    std::vector<std::string> allowed_origins;
    /// Host names requests may name besides IP addresses and localhost (DNS rebinding).
    std::vector<std::string> allowed_hosts;
    std::int64_t push_interval_ms = 1000;
    /// A WebSocket client with a full queue that took no frame for this long is closed.
    std::int64_t ws_max_behind_ms = 10000;
    /// Limits of the HTTP server (http_limits): slow requests, idle keep-alives, connections.
    std::int64_t request_timeout_ms = 10000;
    std::int64_t keep_alive_timeout_ms = 30000;
    std::int64_t max_connections = 1024;
    /// HTTPS and WSS with these credentials (README "TLS"); none: plain HTTP.
    std::optional<tls_settings> tls;
};

/// The `trace` section.
struct trace_config {
    bool enabled = false;
    double sample = 1.0;
    std::int64_t capacity = 1000;
};

/// The `log` section (the CLI wins where both are given).
struct log_config {
    std::string level = "info";
    std::string format;  // empty: text on a terminal, json otherwise
};

}  // namespace sightline
