#include "sightline/web/router.hpp"

#include <boost/json/serialize.hpp>
#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <sstream>

#include "sightline/observe/health.hpp"
#include "sightline/web/static_files.hpp"
#include "sightline/web/vendor_files.hpp"

namespace sightline {

namespace json = boost::json;

namespace {

constexpr std::string_view json_type = "application/json";
// The dashboard loads only its own files: no inline scripts, no third-party hosts.
constexpr std::string_view csp =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

http_response make(http::status status, unsigned version, std::string_view type, std::string body) {
    http_response res{status, version};
    res.set(http::field::server, "sightline");
    res.set(http::field::content_type, type);
    res.set(http::field::cache_control, "no-store");
    res.set("X-Content-Type-Options", "nosniff");
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

std::string_view path_of(std::string_view target) {
    auto q = target.find('?');
    return q == std::string_view::npos ? target : target.substr(0, q);
}

/// Validates ?limit= (1..10000, default 100).
std::optional<std::string> check_limit(const std::map<std::string, std::string>& query) {
    auto it = query.find("limit");
    if (it == query.end()) return std::nullopt;
    long long v = 0;
    auto [p, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), v);
    if (ec != std::errc() || p != it->second.data() + it->second.size() || v < 1 || v > 10000)
        return "limit must be an integer from 1 to 10000, got \"" + it->second + "\"";
    return std::nullopt;
}

/// A file of the dashboard, with an ETag for revalidation and the CSP.
http_response serve_file(const http_request& req, const std::filesystem::path& file) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec))
        return error_response(http::status::not_found, "not found", req.version());
    auto size = std::filesystem::file_size(file, ec);
    auto mtime = std::filesystem::last_write_time(file, ec).time_since_epoch().count();
    // Built by appending: g++ 12 warns falsely (-Wrestrict) on "\"" + std::string.
    std::string etag(1, '"');
    etag.append(std::to_string(size)).append("-").append(std::to_string(mtime)).append(1, '"');
    if (req[http::field::if_none_match] == etag) {
        http_response res{http::status::not_modified, req.version()};
        res.set(http::field::etag, etag);
        return res;
    }
    std::ifstream in(file, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    auto res = make(http::status::ok, req.version(), content_type_for(file), ss.str());
    res.set(http::field::etag, etag);
    res.set(http::field::cache_control, "no-cache");
    res.set("Content-Security-Policy", csp);
    return res;
}

http_response serve_static(const http_request& req, const api_context& ctx) {
    auto file = resolve_static_path(ctx.static_root, req.target());
    if (!file) return error_response(http::status::not_found, "not found", req.version());
    return serve_file(req, *file);
}

/// /vendor/NAME: a browser library from node_modules, only the names vendor_file() knows.
http_response serve_vendor(const http_request& req, std::string_view name, const api_context& ctx) {
    auto rel = vendor_file(name);
    if (!rel || ctx.vendor_root.empty()) return error_response(http::status::not_found, "not found", req.version());
    return serve_file(req, ctx.vendor_root / *rel);
}

bool is_api(std::string_view path) {
    for (std::string_view p : {"/live", "/ready", "/stats", "/metrics", "/health", "/pipeline", "/trace", "/errors", "/alerts", "/ws", "/reload"})
        if (path == p || (path.size() > p.size() && path.substr(0, p.size()) == p && path[p.size()] == '/')) return true;
    return false;
}

}  // namespace

namespace {

/// Compares in time that depends on the lengths only, never on where they differ, so a
/// client cannot find the token byte by byte from response times.
bool equal_in_constant_time(std::string_view a, std::string_view b) {
    unsigned char diff = a.size() == b.size() ? 0 : 1;
    for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ (b.empty() ? 0 : b[i % b.size()]));
    return diff == 0;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

}  // namespace

bool token_ok(const http_request& req, const api_context& ctx) {
    if (ctx.token.empty()) return true;
    std::string_view auth = req[http::field::authorization];
    constexpr std::string_view bearer = "Bearer ";
    if (auth.substr(0, bearer.size()) == bearer && equal_in_constant_time(auth.substr(bearer.size()), ctx.token)) return true;
    if (path_of(req.target()) != "/ws") return false;
    auto query = parse_query(req.target());
    return query && query->count("token") && equal_in_constant_time(query->at("token"), ctx.token);
}

bool host_ok(const http_request& req, const api_context& ctx) {
    std::string_view host_port = req[http::field::host];
    if (host_port.empty()) return true;
    std::string_view host = host_port;
    if (host.front() == '[') {  // [v6]:port
        auto close = host.find(']');
        if (close == std::string_view::npos) return false;
        host = host.substr(1, close - 1);
    } else if (auto colon = host.rfind(':'); colon != std::string_view::npos) {
        host = host.substr(0, colon);
    }
    error_code ec;
    net::ip::make_address(std::string(host), ec);
    if (!ec) return true;  // an address, not a name a rebinding page could control
    auto name = lower(host);
    if (!name.empty() && name.back() == '.') name.pop_back();  // "localhost." is localhost
    if (name == "localhost" || (name.size() > 10 && name.ends_with(".localhost"))) return true;
    for (const auto& allowed : ctx.allowed_hosts) {
        auto a = lower(allowed);
        if (a == name) return true;
        if (!a.empty() && a.front() == '.' && (name == a.substr(1) || name.ends_with(a))) return true;
    }
    return false;
}

bool origin_ok(const http_request& req, const api_context& ctx) {
    auto origin = req[http::field::origin];
    if (origin.empty()) return true;
    for (const auto& allowed : ctx.allowed_origins)
        if (origin == allowed) return true;
    auto host = req[http::field::host];
    // Over HTTPS our own origin is https:// only: a page served by plain http on the same
    // name is another origin (a downgrade). Plain HTTP may sit behind a proxy that ends
    // TLS, so there both schemes are ours.
    if (host.empty()) return false;
    if (origin == "https://" + std::string(host)) return true;
    return !ctx.https && origin == "http://" + std::string(host);
}

http_response error_response(http::status status, std::string_view message, unsigned version) {
    return make(status, version, json_type, json::serialize(json::object{{"error", message}}));
}

http_response unauthorized_response(unsigned version) {
    auto res = error_response(http::status::unauthorized, "missing or wrong bearer token", version);
    res.set(http::field::www_authenticate, "Bearer");
    return res;
}

std::string origin_form(std::string_view target) {
    for (std::string_view scheme : {"http://", "https://"}) {
        if (target.size() >= scheme.size() &&
            std::equal(scheme.begin(), scheme.end(), target.begin(),
                       [](char a, char b) { return a == std::tolower(static_cast<unsigned char>(b)); })) {
            auto slash = target.find('/', scheme.size());
            return slash == std::string_view::npos ? std::string("/") : std::string(target.substr(slash));
        }
    }
    return std::string(target);
}

std::optional<std::map<std::string, std::string>> parse_query(std::string_view target) {
    std::map<std::string, std::string> out;
    auto q = target.find('?');
    if (q == std::string_view::npos) return out;
    std::string_view rest = target.substr(q + 1);
    while (!rest.empty()) {
        auto amp = rest.find('&');
        auto pair = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
        if (pair.empty()) continue;
        auto eq = pair.find('=');
        std::string key(pair.substr(0, eq));
        std::string value(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
        for (auto* s : {&key, &value})
            for (auto& c : *s)
                if (c == '+') c = ' ';
        auto k = percent_decode(key), v = percent_decode(value);
        if (!k || !v) return std::nullopt;
        out[*k] = *v;
    }
    return out;
}

http_response json_response(http::status status, unsigned version, std::string body) {
    return make(status, version, json_type, std::move(body));
}

namespace {
/// 403 for a Host that is neither ours nor allowed (DNS rebinding), naming it.
http_response host_refused(const http_request& req) {
    return error_response(http::status::forbidden,
                          "host \"" + std::string(req[http::field::host]) + "\" not allowed (see http.allowed_hosts)",
                          req.version());
}
}  // namespace

std::optional<http_response> check_reload_request(const http_request& req, const api_context& ctx) {
    const auto v = req.version();
    if (!ctx.reload) return error_response(http::status::not_found, "reload is not offered here", v);
    if (req.method() != http::verb::post) {
        auto res = error_response(http::status::method_not_allowed, "method not allowed (POST /reload)", v);
        res.set(http::field::allow, "POST");
        return res;
    }
    if (!host_ok(req, ctx)) return host_refused(req);
    // A page elsewhere may POST across sites without a preflight: only our own origin.
    if (req.count(http::field::origin) && !origin_ok(req, ctx))
        return error_response(http::status::forbidden, "origin not allowed", v);
    if (!token_ok(req, ctx)) return unauthorized_response(v);
    return std::nullopt;
}

http_response handle_request(const http_request& req, const api_context& ctx) {
    std::string_view path = path_of(req.target());
    const auto v = req.version();
    if (path == "/reload") {
        // Answered by the server (it waits for the reload off the io threads).
        if (auto refusal = check_reload_request(req, ctx)) return std::move(*refusal);
        return error_response(http::status::service_unavailable, "reload is answered by the HTTP server", v);
    }
    if (req.method() != http::verb::get && req.method() != http::verb::head) {
        auto res = error_response(http::status::method_not_allowed, "method not allowed", v);
        res.set(http::field::allow, "GET, HEAD");
        return res;
    }
    if (!host_ok(req, ctx)) return host_refused(req);
    if (path.substr(0, 8) == "/vendor/") return serve_vendor(req, path.substr(8), ctx);
    if (!is_api(path)) return serve_static(req, ctx);
    if (path == "/live") return make(http::status::ok, v, json_type, R"({"status":"live"})");
    if (!token_ok(req, ctx)) return unauthorized_response(v);
    auto query = parse_query(req.target());
    if (!query) return error_response(http::status::bad_request, "malformed query string", v);
    if (path == "/ready") {
        bool ready = !ctx.ready || ctx.ready();
        return make(ready ? http::status::ok : http::status::service_unavailable, v, json_type,
                    ready ? R"({"status":"ready"})" : R"({"status":"starting"})");
    }
    auto snap = ctx.latest();
    if (path == "/stats") return make(http::status::ok, v, json_type, *snap->stats_json);
    if (path == "/metrics") return make(http::status::ok, v, "text/plain; version=0.0.4; charset=utf-8", *snap->metrics_text);
    if (path == "/health")
        return make(static_cast<http::status>(health_http_status(snap->health.status)), v, json_type, *snap->health_json);
    if (path.substr(0, 8) == "/health/") {
        std::string id(path.substr(8));
        const auto* c = snap->health.find(id);
        if (!c) return error_response(http::status::not_found, "unknown component \"" + id + "\"", v);
        json::object body{{"kind", c->kind}, {"status", to_string(c->status)}, {"reason", c->reason}, {"id", id}};
        return make(static_cast<http::status>(health_http_status(c->status)), v, json_type, json::serialize(body));
    }
    if (path == "/pipeline") return make(http::status::ok, v, json_type, *ctx.pipeline_json());
    if (path == "/trace" || path == "/errors") {
        if (auto bad = check_limit(*query)) return error_response(http::status::bad_request, *bad, v);
        std::size_t limit = query->count("limit") ? std::stoul(query->at("limit")) : 100;
        auto arg = [&](const char* k) { return query->count(k) ? query->at(k) : std::string(); };
        json::array list;
        if (path == "/trace") {
            for (const auto& k : *query)
                if (k.first != "limit" && k.first != "stage" && k.first != "status" && k.first != "outcome" && k.first != "q" &&
                    k.first != "field" && k.first != "value")
                    return error_response(http::status::bad_request,
                                          "unknown filter \"" + k.first +
                                              "\" (known: limit, stage, status, outcome, q, field, value)",
                                          v);
            if (query->count("field") != query->count("value"))
                return error_response(http::status::bad_request, "field and value go together", v);
            static const std::vector<std::string> statuses = {"received", "emit", "drop", "route", "error", "retry",
                                                              "hop", "replayed", "sink"};
            if (!arg("status").empty() && std::find(statuses.begin(), statuses.end(), arg("status")) == statuses.end())
                return error_response(http::status::bad_request,
                                      "status must be one of received, emit, drop, route, error, retry, hop, replayed, sink", v);
            if (ctx.traces)
                for (const auto& t :
                     ctx.traces->query({arg("stage"), arg("status"), arg("outcome"), arg("q"), arg("field"), arg("value")}, limit))
                    list.emplace_back(t->to_json());
        } else {
            for (const auto& k : *query)
                if (k.first != "limit" && k.first != "stage" && k.first != "type")
                    return error_response(http::status::bad_request,
                                          "unknown filter \"" + k.first + "\" (known: limit, stage, type)", v);
            std::string stage = arg("stage"), type = arg("type");
            if (ctx.errors)
                for (const auto& e : ctx.errors->newest(limit, [&](const error_record& r) {
                         return (stage.empty() || r.processor == stage) && (type.empty() || r.error_type == type);
                     }))
                    list.emplace_back(e.to_json());
        }
        return make(http::status::ok, v, json_type, json::serialize(list));
    }
    if (path.substr(0, 7) == "/trace/") {
        std::string id(path.substr(7));
        std::uint64_t line_id = 0;
        auto [p, ec] = std::from_chars(id.data(), id.data() + id.size(), line_id);
        trace_ptr t = (ec == std::errc() && p == id.data() + id.size() && ctx.traces) ? ctx.traces->find(line_id) : nullptr;
        if (!t) return error_response(http::status::not_found, "unknown line_id \"" + id + "\"", v);
        return make(http::status::ok, v, json_type, json::serialize(t->to_json()));
    }
    if (path == "/alerts")
        return make(http::status::ok, v, json_type, snap->alerts_json ? *snap->alerts_json : R"({"active":[],"history":[]})");
    if (path == "/ws") {
        auto res = error_response(http::status::upgrade_required, "/ws takes WebSocket upgrades only", v);
        res.set(http::field::upgrade, "websocket");
        return res;
    }
    return error_response(http::status::not_found, "not found", v);
}

}  // namespace sightline
