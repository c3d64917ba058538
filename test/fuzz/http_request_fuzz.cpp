// Fuzzing the HTTP request path as the server runs it: Beast's parser with the
// server's limits, absolute-form targets, the WebSocket checks, the pure router and
// static file resolution (which must never name a file outside the static root).
#include <stdlib.h>

#include <boost/beast/http.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "fuzz_targets.hpp"
#include "sightline/web/http_server.hpp"
#include "sightline/web/router.hpp"
#include "sightline/web/static_files.hpp"

namespace sightline::fuzz {

namespace {

namespace fs = std::filesystem;

/// A static root like the dashboard's, with symlinks that lead out of it; removed at exit.
struct static_root {
    fs::path path;
    static_root() {
        char tmpl[] = "/tmp/sightline_fuzz_static_XXXXXX";
        if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
        path = tmpl;
        fs::create_directories(path / "css");
        std::ofstream(path / "index.html") << "<!doctype html><title>x</title>\n";
        std::ofstream(path / "app.js") << "export const x = 1;\n";
        std::ofstream(path / "css" / "site.css") << "body{}\n";
        fs::create_directory_symlink("/etc", path / "etc_link");
        fs::create_symlink("/etc/passwd", path / "passwd_link");
    }
    ~static_root() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

/// The api_context the router reads: a hand-made snapshot, a token and an allowed origin.
struct fixture {
    static_root root;
    api_context ctx;
    fixture() {
        auto snap = std::make_shared<snapshot>();
        snap->stats.system.total_lines = 1;
        snap->stats_json = std::make_shared<const std::string>(R"({"system":{"total_lines":1}})");
        snap->metrics_text = std::make_shared<const std::string>("sightline_lines_total 1\n");
        snap->health.judge({"in", "source", sightline::health_status::healthy, ""});
        snap->health_json = std::make_shared<const std::string>(R"({"status":"healthy"})");
        snap->stats_frame = std::make_shared<const std::string>(R"({"type":"stats"})");
        ctx.latest = [snap] { return snap; };
        ctx.pipeline_json = [doc = std::make_shared<const std::string>(R"({"stages":[],"edges":[]})")] { return doc; };
        ctx.static_root = root.path;
        ctx.allowed_origins = {"http://dash.example"};
        ctx.ready = [] { return true; };
    }
};

const fixture& shared_fixture() {
    static const fixture f;
    return f;
}

/// Feeds `data` to the parser as one stream, then end of file, like a peer that closes.
bool parse(std::string_view data, http::request_parser<http::string_body>& parser) {
    error_code ec;
    while (!parser.is_done() && !data.empty()) {
        auto used = parser.put(net::buffer(data.data(), data.size()), ec);
        data.remove_prefix(used);
        if (ec == http::error::need_more) {
            if (used == 0) break;  // needs bytes that never come
            ec = {};
            continue;
        }
        if (ec) return false;
    }
    if (!parser.is_done()) {
        parser.put_eof(ec);
        if (ec) return false;
    }
    return parser.is_done();
}

}  // namespace

void http_request_input(std::string_view data) {
    const auto& f = shared_fixture();
    const http_limits limits;
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
    parser.body_limit(limits.max_body_bytes);
    parser.eager(true);
    if (!parse(data, parser)) return;  // the server answers 400 or 413 and closes
    auto req = parser.release();
    check(req.body().size() <= limits.max_body_bytes, "a body over the limit was accepted");
    if (req.target().empty() || req.target().front() != '/') req.target(origin_form(req.target()));
    std::string_view target = req.target();

    if (websocket::is_upgrade(req)) {
        (void)token_ok(req, f.ctx);
        (void)origin_ok(req, f.ctx);
    }
    auto res = handle_request(req, f.ctx);
    unsigned status = res.result_int();
    check(status == 200 || status == 304 || (status >= 400 && status <= 405) || status == 426 || status == 503,
          "unexpected status " + std::to_string(status));
    if (res.has_content_length())
        check(res[http::field::content_length] == std::to_string(res.body().size()), "Content-Length differs from the body");
    std::ostringstream wire;
    wire << res;  // the serializer must accept whatever the router made

    if (auto file = resolve_static_path(f.ctx.static_root, target)) {
        auto root = fs::canonical(f.ctx.static_root);
        auto rel = file->lexically_relative(root);
        check(!rel.empty() && *rel.begin() != "..", "a static path outside the root: " + file->string());
    }
    (void)parse_query(target);
}

}  // namespace sightline::fuzz
