#include "sightline/web/router.hpp"

#include "sightline/observe/stats_json.hpp"
#include "../support/test_support.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace fs = std::filesystem;
namespace json = boost::json;
namespace http = sightline::http;
using sightline::api_context;
using sightline::error_response;
using sightline::handle_request;
using sightline::http_request;
using sightline::http_response;
using sightline::parse_query;
using sightline::snapshot;

namespace {

using headers = std::vector<std::pair<http::field, std::string>>;
using query_map = std::map<std::string, std::string>;

using sightline::test::temp_dir;

const std::string index_html = "<!doctype html><title>Sightline</title><h1>dashboard</h1>\n";
const std::string stats_bytes =
    R"({"processors":{"tagger":{"type":"tagger","lines_in":10}},"sources":{},"sinks":{},"system":{"total_lines":10}})";
const std::string metrics_bytes = "# HELP sightline_lines_total Lines.\n# TYPE sightline_lines_total counter\n"
                                  "sightline_lines_total 10\n";
const std::string pipeline_bytes = R"({"stages":[{"id":"tagger","type":"tagger","description":"","params":{}}],"edges":[]})";

/// A snapshot made by hand with the given overall status; component "out" is
/// unhealthy, "tagger" healthy and "in" degraded.
std::shared_ptr<const snapshot> make_snapshot(std::string_view status) {
    using sightline::health_status;
    auto s = std::make_shared<snapshot>();
    s->seq = 7;
    s->stats_json = std::make_shared<const std::string>(stats_bytes);
    s->metrics_text = std::make_shared<const std::string>(metrics_bytes);
    s->health.judge({"tagger", "stage", health_status::healthy, ""});
    s->health.judge({"out", "sink", health_status::unhealthy, "write errors: 3 lines failed"});
    s->health.judge({"in", "source", health_status::degraded, "dropping lines"});
    // The overall status as given (a hand-made report need not be the worst component's).
    s->health.status = status == "healthy" ? health_status::healthy
                       : status == "degraded" ? health_status::degraded
                                              : health_status::unhealthy;
    s->health_json = std::make_shared<const std::string>(json::serialize(sightline::to_json(s->health)));
    s->stats_frame = std::make_shared<const std::string>(R"({"type":"stats","seq":7})");
    return s;
}

/// An api_context over a hand-made snapshot and a temp static root holding index.html.
struct fixture {
    temp_dir tmp;
    api_context ctx;
    std::shared_ptr<const snapshot> snap = make_snapshot("healthy");
    fixture() {
        std::ofstream(tmp.path / "index.html", std::ios::binary) << index_html;
        std::ofstream(tmp.path / "app.js", std::ios::binary) << "export const x = 1;\n";
        ctx.latest = [this] { return snap; };
        ctx.pipeline_json = [doc = std::make_shared<const std::string>(pipeline_bytes)] { return doc; };
        ctx.static_root = tmp.path;
    }

    http_response request(http::verb method, std::string_view target, const headers& extra = {}) const {
        http_request req{method, target, 11};
        req.set(http::field::host, "127.0.0.1:8000");
        for (const auto& [f, v] : extra) req.set(f, v);
        req.prepare_payload();
        return handle_request(req, ctx);
    }
    http_response get(std::string_view target, const headers& extra = {}) const {
        return request(http::verb::get, target, extra);
    }
};

std::string header(const http_response& res, http::field f) { return std::string(res[f]); }
std::string header(const http_response& res, std::string_view name) { return std::string(res[name]); }

/// The "error" string of a JSON error body; fails the test if the body is anything else.
std::string error_of(const http_response& res) {
    BOOST_TEST(header(res, http::field::content_type) == "application/json");
    json::error_code ec;
    auto v = json::parse(res.body(), ec);
    BOOST_TEST_REQUIRE(!ec, "error body is not JSON: " << res.body());
    BOOST_TEST_REQUIRE(v.is_object(), "error body is not an object: " << res.body());
    const auto& o = v.as_object();
    BOOST_TEST(o.size() == 1u, "error body has extra fields: " << res.body());
    auto it = o.find("error");
    BOOST_TEST_REQUIRE((it != o.end() && it->value().is_string()), "no \"error\" string in: " << res.body());
    return std::string(it->value().as_string());
}

unsigned status_of(const http_response& res) { return res.result_int(); }

}  // namespace

BOOST_AUTO_TEST_SUITE(router_tests)

BOOST_AUTO_TEST_CASE(error_response_is_a_json_object_with_the_status) {
    auto res = error_response(http::status::bad_request, "bad \"thing\"\n", 11);
    BOOST_TEST(status_of(res) == 400u);
    BOOST_TEST(res.version() == 11u);
    BOOST_TEST(error_of(res) == "bad \"thing\"\n");
    BOOST_TEST(header(res, http::field::content_length) == std::to_string(res.body().size()));
    auto old = error_response(http::status::not_found, "gone", 10);
    BOOST_TEST(status_of(old) == 404u);
    BOOST_TEST(old.version() == 10u);
    BOOST_TEST(error_of(old) == "gone");
}

BOOST_AUTO_TEST_CASE(the_servers_own_origin_has_its_scheme) {
    api_context ctx;
    http_request req{http::verb::get, "/ws", 11};
    req.set(http::field::host, "127.0.0.1:8443");
    auto with_origin = [&](const std::string& origin) {
        req.set(http::field::origin, origin);
        return sightline::origin_ok(req, ctx);
    };
    BOOST_TEST(with_origin("http://127.0.0.1:8443"));
    BOOST_TEST(with_origin("https://127.0.0.1:8443"));  // plain HTTP behind a proxy that ends TLS
    BOOST_TEST(!with_origin("http://127.0.0.1:8444"));
    ctx.https = true;  // http.tls: a page served over plain http is another origin
    BOOST_TEST(with_origin("https://127.0.0.1:8443"));
    BOOST_TEST(!with_origin("http://127.0.0.1:8443"));
    BOOST_TEST(!with_origin("https://127.0.0.1:8444"));
    ctx.allowed_origins = {"http://dash.example.com"};
    BOOST_TEST(with_origin("http://dash.example.com"));
}

BOOST_AUTO_TEST_CASE(reload_is_a_post_from_here_under_the_token) {
    fixture f;
    http_request req{http::verb::post, "/reload", 11};
    req.set(http::field::host, "127.0.0.1:8000");
    // Not offered (no hook): 404.
    BOOST_TEST(status_of(*check_reload_request(req, f.ctx)) == 404u);
    f.ctx.reload = []() -> sightline::net::awaitable<std::pair<http::status, std::string>> {
        co_return std::make_pair(http::status::ok, std::string("{}"));
    };
    BOOST_TEST(!check_reload_request(req, f.ctx));
    auto get = f.get("/reload");
    BOOST_TEST(status_of(get) == 405u);
    BOOST_TEST(header(get, http::field::allow) == "POST");
    auto evil = req;
    evil.set(http::field::origin, "http://evil.example");
    BOOST_TEST(status_of(*check_reload_request(evil, f.ctx)) == 403u);
    auto own = req;
    own.set(http::field::origin, "http://127.0.0.1:8000");
    BOOST_TEST(!check_reload_request(own, f.ctx));
    auto rebound = req;
    rebound.set(http::field::host, "attacker.example:8000");
    BOOST_TEST(status_of(*check_reload_request(rebound, f.ctx)) == 403u);
    f.ctx.token = "s3cret";
    BOOST_TEST(status_of(*check_reload_request(req, f.ctx)) == 401u);
    req.set(http::field::authorization, "Bearer s3cret");
    BOOST_TEST(!check_reload_request(req, f.ctx));
}

BOOST_AUTO_TEST_CASE(stats_returns_the_snapshot_bytes) {
    fixture f;
    auto res = f.get("/stats");
    BOOST_TEST(status_of(res) == 200u);
    BOOST_TEST(header(res, http::field::content_type) == "application/json");
    BOOST_TEST(header(res, http::field::cache_control) == "no-store");
    BOOST_TEST(res.body() == stats_bytes);
    BOOST_TEST(header(res, http::field::content_length) == std::to_string(stats_bytes.size()));
    // Query parameters the endpoint does not use are ignored.
    auto q = f.get("/stats?pretty=1");
    BOOST_TEST(status_of(q) == 200u);
    BOOST_TEST(q.body() == stats_bytes);
    // HEAD answers like GET (the session drops the body).
    auto head = f.request(http::verb::head, "/stats");
    BOOST_TEST(status_of(head) == 200u);
    BOOST_TEST(header(head, http::field::content_type) == "application/json");
}

BOOST_AUTO_TEST_CASE(metrics_is_prometheus_text) {
    fixture f;
    auto res = f.get("/metrics");
    BOOST_TEST(status_of(res) == 200u);
    auto type = header(res, http::field::content_type);
    BOOST_TEST(type.rfind("text/plain; version=0.0.4", 0) == 0u, "Content-Type: " << type);
    BOOST_TEST(res.body() == metrics_bytes);
}

BOOST_AUTO_TEST_CASE(health_is_200_when_healthy_or_degraded_and_503_when_unhealthy) {
    fixture f;
    for (auto [status, code] : {std::pair{"healthy", 200u}, {"degraded", 200u}, {"unhealthy", 503u}}) {
        BOOST_TEST_CONTEXT("status " << status) {
            f.snap = make_snapshot(status);
            auto res = f.get("/health");
            BOOST_TEST(status_of(res) == code);
            BOOST_TEST(header(res, http::field::content_type) == "application/json");
            BOOST_TEST(res.body() == *f.snap->health_json);
            BOOST_TEST(json::parse(res.body()).at("status").as_string() == status);
        }
    }
}

BOOST_AUTO_TEST_CASE(health_of_one_component_adds_its_id) {
    fixture f;
    auto res = f.get("/health/tagger");
    BOOST_TEST(status_of(res) == 200u);
    BOOST_TEST(header(res, http::field::content_type) == "application/json");
    BOOST_TEST(json::parse(res.body()) ==
               json::value({{"kind", "stage"}, {"status", "healthy"}, {"reason", ""}, {"id", "tagger"}}));
    auto degraded = f.get("/health/in");
    BOOST_TEST(status_of(degraded) == 200u);
    BOOST_TEST(json::parse(degraded.body()).at("id").as_string() == "in");
    BOOST_TEST(json::parse(degraded.body()).at("status").as_string() == "degraded");
    // An unhealthy component answers 503, like the whole service would.
    auto sick = f.get("/health/out");
    BOOST_TEST(status_of(sick) == 503u);
    BOOST_TEST(json::parse(sick.body()) == json::value({{"kind", "sink"},
                                                        {"status", "unhealthy"},
                                                        {"reason", "write errors: 3 lines failed"},
                                                        {"id", "out"}}));
}

BOOST_AUTO_TEST_CASE(health_of_an_unknown_component_is_404) {
    fixture f;
    auto res = f.get("/health/nope");
    BOOST_TEST(status_of(res) == 404u);
    BOOST_TEST(error_of(res) == "unknown component \"nope\"");
    auto empty = f.get("/health/");
    BOOST_TEST(status_of(empty) == 404u);
    BOOST_TEST(error_of(empty) == "unknown component \"\"");
}

BOOST_AUTO_TEST_CASE(pipeline_returns_the_fixed_document) {
    fixture f;
    auto res = f.get("/pipeline");
    BOOST_TEST(status_of(res) == 200u);
    BOOST_TEST(header(res, http::field::content_type) == "application/json");
    BOOST_TEST(res.body() == pipeline_bytes);
}

BOOST_AUTO_TEST_CASE(unknown_trace_and_error_filters_are_refused) {
    fixture f;
    for (std::string_view target : {"/trace?other=x", "/errors?status=drop", "/trace?status=sideways"}) {
        BOOST_TEST_CONTEXT("target " << target) {
            auto res = f.get(std::string(target));
            BOOST_TEST(status_of(res) == 400u);
            BOOST_TEST(res.body().find("\"error\"") != std::string::npos);
        }
    }
}

BOOST_AUTO_TEST_CASE(trace_and_errors_return_lists_and_accept_valid_limits) {
    fixture f;
    for (std::string_view path : {"/trace", "/errors"}) {
        for (std::string_view query : {"", "?limit=1", "?limit=100", "?limit=10000", "?stage=x&limit=5"}) {
            std::string target = std::string(path) + std::string(query);
            BOOST_TEST_CONTEXT("target " << target) {
                auto res = f.get(target);
                BOOST_TEST(status_of(res) == 200u);
                BOOST_TEST(header(res, http::field::content_type) == "application/json");
                BOOST_TEST(res.body() == "[]");
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(trace_and_errors_refuse_bad_limits_with_400) {
    fixture f;
    for (std::string_view path : {"/trace", "/errors"}) {
        for (std::string_view value : {"0", "abc", "10001", "5x", "-1", "", "1.5", " 5", "99999999999999999999"}) {
            std::string target = std::string(path) + "?limit=" + std::string(value);
            BOOST_TEST_CONTEXT("target \"" << target << "\"") {
                auto res = f.get(target);
                BOOST_TEST(status_of(res) == 400u);
                auto message = error_of(res);
                BOOST_TEST(message == "limit must be an integer from 1 to 10000, got \"" + std::string(value) + "\"");
            }
        }
    }
    // Escapes in the query are decoded first: %31%30 is "10".
    BOOST_TEST(status_of(f.get("/trace?limit=%31%30")) == 200u);
}

BOOST_AUTO_TEST_CASE(malformed_query_is_400) {
    fixture f;
    for (std::string_view target : {"/stats?x=%zz", "/trace?limit=%4", "/errors?%g=1"}) {
        BOOST_TEST_CONTEXT("target " << target) {
            auto res = f.get(target);
            BOOST_TEST(status_of(res) == 400u);
            BOOST_TEST(error_of(res) == "malformed query string");
        }
    }
}

BOOST_AUTO_TEST_CASE(unknown_trace_id_is_404) {
    fixture f;
    auto res = f.get("/trace/abc");
    BOOST_TEST(status_of(res) == 404u);
    BOOST_TEST(error_of(res) == "unknown line_id \"abc\"");
}

BOOST_AUTO_TEST_CASE(alerts_has_active_and_history) {
    fixture f;
    auto res = f.get("/alerts");
    BOOST_TEST(status_of(res) == 200u);
    BOOST_TEST(header(res, http::field::content_type) == "application/json");
    auto v = json::parse(res.body());
    BOOST_TEST_REQUIRE(v.is_object());
    BOOST_TEST(v.at("active").is_array());
    BOOST_TEST(v.at("history").is_array());
}

BOOST_AUTO_TEST_CASE(other_methods_get_405_with_allow) {
    fixture f;
    for (auto method : {http::verb::post, http::verb::put, http::verb::delete_, http::verb::patch}) {
        for (std::string_view target : {"/stats", "/health", "/", "/index.html", "/nope"}) {
            BOOST_TEST_CONTEXT(http::to_string(method) << " " << target) {
                auto res = f.request(method, target);
                BOOST_TEST(status_of(res) == 405u);
                BOOST_TEST(header(res, http::field::allow) == "GET, HEAD");
                BOOST_TEST(error_of(res) == "method not allowed");
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(unknown_paths_are_404_with_a_json_error) {
    fixture f;
    for (std::string_view target : {"/nope", "/statsx", "/stats/", "/stats/extra", "/metrics/x", "/pipeline/x",
                                    "/errors/1", "/alertsx", "/missing.js", "/../index.html"}) {
        BOOST_TEST_CONTEXT("target " << target) {
            auto res = f.get(target);
            BOOST_TEST(status_of(res) == 404u);
            BOOST_TEST(!error_of(res).empty());
        }
    }
    // /ws answers only WebSocket upgrades (handled by the session before the router).
    auto ws = f.get("/ws");
    BOOST_TEST(status_of(ws) == 426u);
    BOOST_TEST(error_of(ws) == "/ws takes WebSocket upgrades only");
}

// Regression: a 426 must name the protocol to upgrade to (RFC 9110 15.5.22).
BOOST_AUTO_TEST_CASE(ws_without_upgrade_is_426_naming_the_protocol) {
    fixture f;
    auto res = f.get("/ws");
    BOOST_TEST(status_of(res) == 426u);
    BOOST_TEST(header(res, http::field::upgrade) == "websocket");
}

BOOST_AUTO_TEST_CASE(static_index_has_csp_and_etag_and_revalidates_with_304) {
    fixture f;
    auto res = f.get("/");
    BOOST_TEST(status_of(res) == 200u);
    BOOST_TEST(header(res, http::field::content_type) == "text/html; charset=utf-8");
    BOOST_TEST(res.body() == index_html);
    auto csp = header(res, "Content-Security-Policy");
    BOOST_TEST(!csp.empty());
    BOOST_TEST(csp.find("default-src 'self'") != std::string::npos, "CSP: " << csp);
    BOOST_TEST(csp.find("script-src 'self'") != std::string::npos, "CSP: " << csp);
    BOOST_TEST(csp.find("unsafe-inline") == std::string::npos, "CSP: " << csp);
    BOOST_TEST(csp.find("unsafe-eval") == std::string::npos, "CSP: " << csp);
    BOOST_TEST(header(res, "X-Content-Type-Options") == "nosniff");
    auto etag = header(res, http::field::etag);
    BOOST_TEST_REQUIRE(etag.size() > 2u);
    BOOST_TEST(etag.front() == '"');
    BOOST_TEST(etag.back() == '"');

    // The same file by name has the same validator.
    auto by_name = f.get("/index.html");
    BOOST_TEST(status_of(by_name) == 200u);
    BOOST_TEST(header(by_name, http::field::etag) == etag);

    auto again = f.get("/", {{http::field::if_none_match, etag}});
    BOOST_TEST(status_of(again) == 304u);
    BOOST_TEST(again.body().empty());
    BOOST_TEST(header(again, http::field::etag) == etag);

    auto stale = f.get("/", {{http::field::if_none_match, "\"0-0\""}});
    BOOST_TEST(status_of(stale) == 200u);
    BOOST_TEST(stale.body() == index_html);

    auto js = f.get("/app.js");
    BOOST_TEST(status_of(js) == 200u);
    BOOST_TEST(header(js, http::field::content_type) == "text/javascript; charset=utf-8");
    BOOST_TEST(header(js, http::field::etag) != etag);
}

BOOST_AUTO_TEST_CASE(vendor_serves_only_the_named_libraries_from_node_modules) {
    fixture f;
    temp_dir modules;
    f.ctx.vendor_root = modules.path;
    fs::create_directories(modules.path / "uplot/dist");
    std::ofstream(modules.path / "uplot/dist/uPlot.esm.js", std::ios::binary) << "export default 1;\n";
    std::ofstream(modules.path / "uplot/package.json", std::ios::binary) << "{}\n";

    auto lib = f.get("/vendor/uplot.esm.js?v=1");
    BOOST_TEST(status_of(lib) == 200u);
    BOOST_TEST(lib.body() == "export default 1;\n");
    BOOST_TEST(header(lib, http::field::content_type) == "text/javascript; charset=utf-8");
    BOOST_TEST(!header(lib, "Content-Security-Policy").empty());
    auto etag = header(lib, http::field::etag);
    BOOST_TEST(status_of(f.get("/vendor/uplot.esm.js", {{http::field::if_none_match, etag}})) == 304u);

    // Known name whose file npm has not installed; names outside the table; escapes.
    for (std::string_view target : {"/vendor/dagre.esm.js", "/vendor/uplot/package.json", "/vendor/../index.html",
                                    "/vendor/uplot/dist/uPlot.esm.js", "/vendor/", "/vendor/%2e%2e/index.html"}) {
        auto res = f.get(target);
        BOOST_TEST(status_of(res) == 404u, target);
        BOOST_TEST(error_of(res) == "not found", target);
    }
    f.ctx.vendor_root.clear();
    BOOST_TEST(status_of(f.get("/vendor/uplot.esm.js")) == 404u);
}

BOOST_AUTO_TEST_CASE(token_guards_the_api_but_not_the_dashboard) {
    fixture f;
    f.ctx.token = "s3cret";
    for (std::string_view target : {"/stats", "/metrics", "/health", "/health/tagger", "/pipeline", "/trace",
                                    "/trace/abc", "/errors", "/alerts", "/ws"}) {
        BOOST_TEST_CONTEXT("target " << target) {
            auto none = f.get(target);
            BOOST_TEST(status_of(none) == 401u);
            BOOST_TEST(header(none, http::field::www_authenticate) == "Bearer");
            BOOST_TEST(error_of(none) == "missing or wrong bearer token");
            for (std::string wrong : {"Bearer wrong", "Bearer s3cre", "Bearer s3cretx", "bearer s3cret", "s3cret", "Basic s3cret"}) {
                auto bad = f.get(target, {{http::field::authorization, wrong}});
                BOOST_TEST(status_of(bad) == 401u, "Authorization: " << wrong);
            }
        }
    }
    auto ok = f.get("/stats", {{http::field::authorization, "Bearer s3cret"}});
    BOOST_TEST(status_of(ok) == 200u);
    BOOST_TEST(ok.body() == stats_bytes);
    auto trace = f.get("/trace?limit=5", {{http::field::authorization, "Bearer s3cret"}});
    BOOST_TEST(status_of(trace) == 200u);
    BOOST_TEST(trace.body() == "[]");
    // The dashboard's own files load without the token (it asks for it).
    auto page = f.get("/");
    BOOST_TEST(status_of(page) == 200u);
    BOOST_TEST(page.body() == index_html);
}

BOOST_AUTO_TEST_CASE(parse_query_decodes_escapes_and_plus) {
    BOOST_TEST((parse_query("/stats").value_or(query_map{{"?", "?"}}) == query_map{}));
    BOOST_TEST((parse_query("/stats?").value_or(query_map{{"?", "?"}}) == query_map{}));
    BOOST_TEST((parse_query("/trace?limit=5").value_or(query_map{}) == query_map{{"limit", "5"}}));
    BOOST_TEST((parse_query("/x?a=1&b=two+words&c=%41%42&d=%2B&e=a%20b").value_or(query_map{}) ==
                query_map{{"a", "1"}, {"b", "two words"}, {"c", "AB"}, {"d", "+"}, {"e", "a b"}}));
    BOOST_TEST((parse_query("/x?flag&&k%20ey=v&=empty").value_or(query_map{}) ==
                query_map{{"flag", ""}, {"k ey", "v"}, {"", "empty"}}));
    BOOST_TEST((parse_query("/x?a=1&a=2").value_or(query_map{}) == query_map{{"a", "2"}}));
    BOOST_TEST((parse_query("/x?q=a=b").value_or(query_map{}) == query_map{{"q", "a=b"}}));
}

BOOST_AUTO_TEST_CASE(parse_query_refuses_malformed_escapes) {
    for (std::string_view target : {"/x?a=%zz", "/x?a=%4", "/x?a=%", "/x?%g1=1", "/x?ok=1&bad=%2"}) {
        BOOST_TEST_CONTEXT("target " << target) { BOOST_TEST(!parse_query(target).has_value()); }
    }
}

BOOST_AUTO_TEST_CASE(a_host_that_is_not_an_address_localhost_or_allowed_gets_403_before_anything_else) {
    fixture f;
    f.ctx.token = "secret";
    auto evil = f.get("/stats", {{http::field::host, "rebind.evil.example:8000"}});
    BOOST_TEST(evil.result_int() == 403u);
    BOOST_TEST(error_of(evil) == "host \"rebind.evil.example:8000\" not allowed (see http.allowed_hosts)");
    BOOST_TEST(f.get("/", {{http::field::host, "rebind.evil.example"}}).result_int() == 403u);
    // Judged before the token: a refused host learns nothing, not even that a token is set.
    BOOST_TEST(f.get("/stats", {{http::field::host, "localhost:8000"}}).result_int() == 401u);
    f.ctx.allowed_hosts = {"dash.example"};
    BOOST_TEST(f.get("/stats", {{http::field::host, "dash.example"}, {http::field::authorization, "Bearer secret"}})
                   .result_int() == 200u);
}

BOOST_AUTO_TEST_CASE(the_token_must_match_exactly) {
    fixture f;
    f.ctx.token = "secret";
    for (std::string bad : {"Bearer secre", "Bearer secrets", "Bearer Secret", "Bearer ", "secret", "Basic secret"})
        BOOST_TEST(f.get("/stats", {{http::field::authorization, bad}}).result_int() == 401u, bad);
    BOOST_TEST(f.get("/stats", {{http::field::authorization, "Bearer secret"}}).result_int() == 200u);
}

BOOST_AUTO_TEST_SUITE_END()
