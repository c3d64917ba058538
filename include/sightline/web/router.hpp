#pragma once
#include <boost/json/object.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sightline/core/net.hpp"
#include "sightline/observe/error_log.hpp"
#include "sightline/observe/observer.hpp"
#include "sightline/observe/trace_store.hpp"

namespace sightline {

using http_request = http::request<http::string_body>;
using http_response = http::response<http::string_body>;

/// What request handlers read. Everything is a snapshot or immutable, so handlers are
/// pure functions of (request, context) and safe on any thread.
struct api_context {
    std::function<std::shared_ptr<const snapshot>()> latest;
    /// The /pipeline document now (a reload replaces it).
    std::function<std::shared_ptr<const std::string>()> pipeline_json;
    /// Re-reads the configuration and applies it (POST /reload; null: not offered). Runs
    /// off the io threads; the answer's status and JSON body.
    std::function<net::awaitable<std::pair<http::status, std::string>>()> reload;
    std::filesystem::path static_root;
    /// node_modules holding the dashboard's browser libraries (served under /vendor/).
    std::filesystem::path vendor_root;
    /// The snapshot period (told to WebSocket clients, which judge staleness by it).
    std::chrono::milliseconds push_interval{1000};
    /// Bearer token required by the API (empty: none).
    std::string token;
    /// Origins allowed to open /ws besides the server's own.
    std::vector<std::string> allowed_origins;
    /// The server speaks HTTPS (http.tls): its own origin is https://Host only (plain
    /// HTTP takes http:// and https://, as behind a proxy that ends TLS).
    bool https = false;
    /// Host names (besides IP literals and localhost names) requests may name in `Host`:
    /// "logs.example.com", or ".example.com" for it and every subdomain.
    std::vector<std::string> allowed_hosts;
    /// True once the pipeline runs (for /ready).
    std::function<bool()> ready;
    /// Finished traces (null: tracing off) and error records (null: none kept).
    const trace_store* traces = nullptr;
    const error_log* errors = nullptr;
};

/// True when `req`'s Host header may be served: absent (not a browser), an IP literal
/// (v4 or [v6]), `localhost` or a name under `.localhost`, or one of allowed_hosts;
/// any port. Anything else may be a DNS-rebinding page and gets 403.
bool host_ok(const http_request& req, const api_context& ctx);

/// True when `req` carries the token (Authorization: Bearer, or ?token= for /ws).
bool token_ok(const http_request& req, const api_context& ctx);

/// True when a WebSocket upgrade may proceed: no Origin (not a browser), the server's
/// own origin (same host), or one listed in allowed_origins.
bool origin_ok(const http_request& req, const api_context& ctx);

/// Whether POST /reload may go ahead: nullopt, or the refusal (405 for another method,
/// 403 for a foreign Host or Origin, 401 without the token, 404 when reload is not offered).
std::optional<http_response> check_reload_request(const http_request& req, const api_context& ctx);

/// A JSON answer with the headers every API answer has.
http_response json_response(http::status status, unsigned version, std::string body);

/// The one place HTTP errors are made: {"error": message} with the status.
http_response error_response(http::status status, std::string_view message, unsigned version);
/// 401 with `WWW-Authenticate: Bearer`, for a request without the right token.
http_response unauthorized_response(unsigned version);

/// Answers one request (DESIGN.md §2): /stats, /metrics, /health[/component],
/// /pipeline, /trace[/id], /errors, /alerts and static files; 405 with Allow for other
/// methods, 404 for unknown paths, 400 for bad query values.
http_response handle_request(const http_request& req, const api_context& ctx);

/// The origin form of a request target: "http://host:8000/stats?x" -> "/stats?x"
/// (RFC 9112 3.2.2: servers accept the absolute form too); other targets unchanged.
std::string origin_form(std::string_view target);

/// The query parameters of a target ("/trace?limit=5" -> {limit: 5}); nullopt when an
/// escape is malformed.
std::optional<std::map<std::string, std::string>> parse_query(std::string_view target);

}  // namespace sightline
