#include "sightline/web/http_server.hpp"

#include "sightline/observe/stats_json.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "sightline/core/log.hpp"
#include "sightline/web/broadcaster.hpp"
#include "../support/test_support.hpp"

namespace fs = std::filesystem;
namespace json = boost::json;
namespace slog = sightline::log;
namespace net = sightline::net;
namespace beast = sightline::beast;
namespace http = sightline::http;
namespace websocket = sightline::websocket;
using namespace std::chrono_literals;
using sightline::api_context;
using sightline::broadcaster;
using sightline::error_code;
using sightline::http_limits;
using sightline::http_request;
using sightline::http_response;
using sightline::http_server;
using sightline::snapshot;
using sightline::tcp;
using sightline::use_aw_ec;

namespace {

using steady = std::chrono::steady_clock;
using headers = std::vector<std::pair<std::string, std::string>>;

/// Every client operation ends within this (the stream's expiry); run_for adds a second as watchdog.
constexpr auto op_limit = std::chrono::milliseconds(3000);

using sightline::test::temp_dir;

const std::string index_html = "<!doctype html><title>Sightline</title><h1>dashboard</h1>\n";
const std::string stats_bytes =
    R"({"processors":{"tagger":{"type":"tagger","lines_in":10}},"sources":{},"sinks":{},"system":{"total_lines":10}})";
const std::string metrics_bytes = "# HELP sightline_lines_total Lines.\n# TYPE sightline_lines_total counter\n"
                                  "sightline_lines_total 10\n";
const std::string pipeline_bytes = R"({"stages":[{"id":"tagger","type":"tagger","description":"","params":{}}],"edges":[]})";
const std::string stats_frame_bytes = R"({"type":"stats","seq":7,"stats":)" + stats_bytes + "}";

/// A snapshot made by hand with the given overall status; its frames are valid JSON.
std::shared_ptr<const snapshot> make_snapshot(std::string_view status) {
    auto s = std::make_shared<snapshot>();
    s->seq = 7;
    using sightline::health_status;
    s->stats_json = std::make_shared<const std::string>(stats_bytes);
    s->metrics_text = std::make_shared<const std::string>(metrics_bytes);
    s->health.judge({"tagger", "stage", health_status::healthy, ""});
    s->health.judge({"out", "sink", health_status::unhealthy, "write errors: 3 lines failed"});
    // The overall status as given (a hand-made report need not be the worst component's).
    s->health.status = status == "healthy" ? health_status::healthy
                       : status == "degraded" ? health_status::degraded
                                              : health_status::unhealthy;
    s->health_json = std::make_shared<const std::string>(json::serialize(sightline::to_json(s->health)));
    s->stats_frame = std::make_shared<const std::string>(stats_frame_bytes);
    s->health_frame = std::make_shared<const std::string>(R"({"type":"health","health":)" + *s->health_json + "}");
    return s;
}

/// A real http_server on 127.0.0.1:0, run by two threads of its own io_context, over a
/// hand-made snapshot, the pipeline document and a temp static root holding index.html.
/// Log records go (as JSON) into a string for the server's lifetime.
class test_server {
public:
    explicit test_server(http_limits limits = {}, const std::function<void(api_context&)>& configure = {}) {
        std::ofstream(tmp_.path / "index.html", std::ios::binary) << index_html;
        ctx_.latest = [this] {
            std::lock_guard lock(mutex_);
            return snap_;
        };
        ctx_.pipeline_json = [doc = std::make_shared<const std::string>(pipeline_bytes)] { return doc; };
        ctx_.static_root = tmp_.path;
        ctx_.ready = [this] { return ready_.load(); };
        if (configure) configure(ctx_);
        server_ = std::make_shared<http_server>(ioc_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0), ctx_, hub_,
                                                limits);
        server_->start();
        for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { ioc_.run(); });
    }
    ~test_server() { stop(); }
    test_server(const test_server&) = delete;
    test_server& operator=(const test_server&) = delete;

    /// Stops serving and joins the threads (idempotent).
    void stop() {
        ioc_.stop();
        for (auto& t : threads_)
            if (t.joinable()) t.join();
    }

    tcp::endpoint endpoint() const { return server_->local_endpoint(); }
    /// The Host header (and so the own origin without scheme) clients send.
    std::string host() const { return "127.0.0.1:" + std::to_string(endpoint().port()); }
    std::size_t sessions() const { return server_->sessions(); }
    broadcaster& hub() { return hub_; }
    const api_context& context() const { return ctx_; }
    void set_snapshot(std::shared_ptr<const snapshot> s) {
        std::lock_guard lock(mutex_);
        snap_ = std::move(s);
    }
    void set_ready(bool ready) { ready_ = ready; }

    /// How many records named `event` were logged; only after stop().
    std::size_t logged(std::string_view event) const {
        std::size_t n = 0;
        std::istringstream in(log_.out.str());
        for (std::string line; std::getline(in, line);) {
            json::error_code ec;
            auto v = json::parse(line, ec);
            if (ec || !v.is_object()) continue;
            const auto* name = v.as_object().if_contains("event");
            if (name && name->is_string() && name->as_string() == event) ++n;
        }
        return n;
    }

private:
    /// Routes log records into `out` (JSON) while it lives, then restores the process
    /// default, so no later test writes into a dead stream.
    struct log_capture {
        std::ostringstream out;
        log_capture() { slog::init(slog::level::info, slog::format::json, &out); }
        ~log_capture() { slog::init(slog::level::info, slog::format::text); }
        log_capture(const log_capture&) = delete;
        log_capture& operator=(const log_capture&) = delete;
    };

    temp_dir tmp_;
    log_capture log_;  // outlives the threads that log into it
    mutable std::mutex mutex_;
    std::shared_ptr<const snapshot> snap_ = make_snapshot("healthy");
    std::atomic<bool> ready_{true};
    api_context ctx_;
    broadcaster hub_;  // outlives the io_context and every session in it
    net::io_context ioc_;
    std::shared_ptr<http_server> server_;
    std::vector<std::thread> threads_;
};

struct op_result {
    error_code ec;
    std::size_t bytes = 0;
};

/// Runs the one operation that `start(handler)` begins on `ioc` until it completes. The
/// caller's stream expiry ends it within op_limit; run_for is only the watchdog.
template <class Start>
op_result run_op(net::io_context& ioc, Start&& start) {
    auto done = std::make_shared<std::optional<op_result>>();
    start([done](error_code ec, auto... n) { *done = op_result{ec, (std::size_t{0} + ... + std::size_t(n))}; });
    ioc.restart();
    ioc.run_for(op_limit + 1s);
    BOOST_TEST_REQUIRE(done->has_value(), "client operation still pending after the watchdog");
    return **done;
}

/// Polls `done` every 5 ms for at most `limit`.
template <class Pred>
bool wait_until(Pred done, std::chrono::milliseconds limit = 2000ms) {
    auto deadline = steady::now() + limit;
    while (!done()) {
        if (steady::now() >= deadline) return false;
        std::this_thread::sleep_for(5ms);
    }
    return true;
}

/// One HTTP connection driven by its own io_context; every operation is bounded.
class http_client {
public:
    explicit http_client(tcp::endpoint ep) : ep_(ep) {}

    error_code connect() {
        return run_op(ioc_, [&](auto h) {
                   stream_.expires_after(op_limit);
                   stream_.async_connect(ep_, std::move(h));
               }).ec;
    }
    void connect_or_fail() { BOOST_TEST_REQUIRE(!connect(), "cannot connect to " << ep_); }

    error_code send(std::string_view raw) {
        return run_op(ioc_, [&](auto h) {
                   stream_.expires_after(op_limit);
                   net::async_write(stream_, net::buffer(raw.data(), raw.size()), std::move(h));
               }).ec;
    }
    error_code send(const http_request& req) {
        return run_op(ioc_, [&](auto h) {
                   stream_.expires_after(op_limit);
                   http::async_write(stream_, req, std::move(h));
               }).ec;
    }

    std::pair<error_code, http_response> receive() {
        http_response res;
        auto r = run_op(ioc_, [&](auto h) {
            stream_.expires_after(op_limit);
            http::async_read(stream_, buffer_, res, std::move(h));
        });
        return {r.ec, std::move(res)};
    }

    /// Sends GET `target` and returns the answer; fails the test on any I/O error.
    http_response get(std::string_view target, const headers& extra = {}) {
        return request(http::verb::get, target, "", extra);
    }
    http_response request(http::verb method, std::string_view target, std::string body = "",
                          const headers& extra = {}) {
        http_request req{method, target, 11};
        req.set(http::field::host, "127.0.0.1:" + std::to_string(ep_.port()));
        for (const auto& [name, value] : extra) req.set(name, value);
        req.body() = std::move(body);
        req.prepare_payload();
        BOOST_TEST_REQUIRE(!send(req), "cannot send " << target);
        auto [ec, res] = receive();
        BOOST_TEST_REQUIRE(!ec, "no answer to " << target << ": " << ec.message());
        return res;
    }

    /// Reads whatever arrives until the server closes (buffered bytes first).
    std::pair<error_code, std::string> read_to_end() {
        std::string out = beast::buffers_to_string(buffer_.data());
        buffer_.consume(buffer_.size());
        auto r = run_op(ioc_, [&](auto h) {
            stream_.expires_after(op_limit);
            net::async_read(stream_, net::dynamic_buffer(out), std::move(h));
        });
        return {r.ec, std::move(out)};
    }

    void close() {
        error_code ignored;
        stream_.socket().close(ignored);
    }

    /// One read_some: the bytes that arrive next, or why none did.
    op_result read_some(std::string& into) {
        char chunk[4096];
        auto r = run_op(ioc_, [&](auto h) {
            stream_.expires_after(op_limit);
            stream_.async_read_some(net::buffer(chunk), std::move(h));
        });
        into.append(chunk, r.bytes);
        return r;
    }

private:
    tcp::endpoint ep_;
    net::io_context ioc_;
    beast::tcp_stream stream_{ioc_};
    beast::flat_buffer buffer_;
};

/// GET `target` on a new connection.
http_response fetch(const test_server& s, std::string_view target, const headers& extra = {}) {
    http_client c(s.endpoint());
    c.connect_or_fail();
    return c.get(target, extra);
}

std::string header(const http_response& res, http::field f) { return std::string(res[f]); }

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

/// Whole milliseconds since `t0`.
long long ms_since(steady::time_point t0) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - t0).count();
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

/// The next read on `c` finds the connection closed by the server (not a timeout).
void expect_closed_by_server(http_client& c) {
    std::string rest;
    auto r = c.read_some(rest);
    BOOST_TEST(rest.empty(), "unexpected bytes after the answer: " << rest);
    BOOST_TEST((r.ec == net::error::eof || r.ec == net::error::connection_reset),
               "read after close: " << r.ec.message());
}

/// After a bad client: a new connection is still served, and no session is left over.
void expect_still_serving(const test_server& s) {
    auto res = fetch(s, "/health");
    BOOST_TEST(res.result_int() == 200u);
    BOOST_TEST(res.body() == *make_snapshot("healthy")->health_json);
    BOOST_TEST(wait_until([&] { return s.sessions() == 0; }), "sessions left: " << s.sessions());
}

/// One WebSocket client driven by its own io_context; every operation is bounded.
class ws_client {
public:
    /// `receive_buffer`: SO_RCVBUF, set before connecting so the window stays small.
    explicit ws_client(tcp::endpoint ep, std::optional<int> receive_buffer = std::nullopt) : ep_(ep) {
        if (receive_buffer) {
            auto& socket = beast::get_lowest_layer(ws_).socket();
            socket.open(tcp::v4());
            socket.set_option(net::socket_base::receive_buffer_size(*receive_buffer));
        }
    }

    /// Connects and asks for the upgrade of `target` with Host `host`; `res` gets the answer.
    error_code open(std::string_view host, std::string_view target, const headers& extra,
                    websocket::response_type& res) {
        auto ec = run_op(ioc_, [&](auto h) {
                      beast::get_lowest_layer(ws_).expires_after(op_limit);
                      beast::get_lowest_layer(ws_).async_connect(ep_, std::move(h));
                  }).ec;
        if (ec) return ec;
        ws_.set_option(websocket::stream_base::decorator([extra](websocket::request_type& req) {
            for (const auto& [name, value] : extra) req.set(name, value);
        }));
        return run_op(ioc_, [&](auto h) {
                   beast::get_lowest_layer(ws_).expires_after(op_limit);
                   ws_.async_handshake(res, host, target, std::move(h));
               }).ec;
    }

    std::pair<error_code, std::string> read() {
        auto r = run_op(ioc_, [&](auto h) {
            beast::get_lowest_layer(ws_).expires_after(op_limit);
            ws_.async_read(buffer_, std::move(h));
        });
        std::string message = beast::buffers_to_string(buffer_.data());
        buffer_.consume(buffer_.size());
        return {r.ec, std::move(message)};
    }

    error_code close() {
        return run_op(ioc_, [&](auto h) {
                   beast::get_lowest_layer(ws_).expires_after(op_limit);
                   ws_.async_close(websocket::close_code::normal, std::move(h));
               }).ec;
    }

    websocket::stream<beast::tcp_stream>& stream() { return ws_; }
    net::io_context& context() { return ioc_; }

private:
    tcp::endpoint ep_;
    net::io_context ioc_;
    websocket::stream<beast::tcp_stream> ws_{ioc_};
    beast::flat_buffer buffer_;
};

/// Opens /ws and reads the hello; fails the test unless both work.
void open_and_read_hello(ws_client& c, const test_server& s, std::string_view target, const headers& extra = {}) {
    websocket::response_type res;
    auto ec = c.open(s.host(), target, extra, res);
    BOOST_TEST_REQUIRE(!ec, "upgrade of " << target << " failed: " << ec.message() << " (" << res.result_int() << ")");
    BOOST_TEST(res.result_int() == 101u);
    auto [rec, hello] = c.read();
    BOOST_TEST_REQUIRE(!rec, "no hello: " << rec.message());
    BOOST_TEST(json::parse(hello).at("type") == json::value("hello"));
}

/// Asks for the upgrade of `target` and expects it refused with `status` and `message`.
void expect_upgrade_refused(const test_server& s, std::string_view target, const headers& extra, unsigned status,
                            std::string_view message) {
    ws_client c(s.endpoint());
    websocket::response_type res;
    auto ec = c.open(s.host(), target, extra, res);
    BOOST_TEST((ec == websocket::error::upgrade_declined), "upgrade: " << ec.message());
    BOOST_TEST(res.result_int() == status);
    BOOST_TEST(error_of(res) == message);
}

/// `{"type":"stats","seq":N,"pad":"xxx..."}` of `size` bytes.
std::shared_ptr<const std::string> numbered_frame(std::size_t seq, std::size_t size = 64) {
    std::string head = R"({"type":"stats","seq":)" + std::to_string(seq) + R"(,"pad":")";
    std::string pad(size > head.size() + 2 ? size - head.size() - 2 : 0, 'x');
    return std::make_shared<const std::string>(head + pad + "\"}");
}

std::uint64_t seq_of(const std::string& frame) { return json::parse(frame).at("seq").to_number<std::uint64_t>(); }

/// Reads messages into `out` until the stream fails; `end` gets why.
net::awaitable<void> read_frames(websocket::stream<beast::tcp_stream>* ws, std::vector<std::string>* out,
                                 std::optional<error_code>* end) {
    beast::flat_buffer buffer;
    for (;;) {
        auto [ec, n] = co_await ws->async_read(buffer, use_aw_ec);
        if (ec) {
            *end = ec;
            co_return;
        }
        out->push_back(beast::buffers_to_string(buffer.data()));
        buffer.consume(buffer.size());
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(http_server_tests)

BOOST_AUTO_TEST_CASE(stats_answers_the_snapshot_bytes_over_a_real_connection) {
    test_server s;
    auto res = fetch(s, "/stats");
    BOOST_TEST(res.result_int() == 200u);
    BOOST_TEST(res.version() == 11u);
    BOOST_TEST(header(res, http::field::content_type) == "application/json");
    BOOST_TEST(header(res, http::field::content_length) == std::to_string(stats_bytes.size()));
    BOOST_TEST(res.body() == stats_bytes);
    BOOST_TEST(res.keep_alive());
}

BOOST_AUTO_TEST_CASE(metrics_has_the_prometheus_content_type) {
    test_server s;
    auto res = fetch(s, "/metrics");
    BOOST_TEST(res.result_int() == 200u);
    BOOST_TEST(header(res, http::field::content_type) == "text/plain; version=0.0.4; charset=utf-8");
    BOOST_TEST(res.body() == metrics_bytes);
}

BOOST_AUTO_TEST_CASE(health_is_200_when_healthy_or_degraded_and_503_when_unhealthy) {
    test_server s;
    for (auto [status, code] : {std::pair{"healthy", 200u}, {"degraded", 200u}, {"unhealthy", 503u}}) {
        BOOST_TEST_CONTEXT("status " << status) {
            auto snap = make_snapshot(status);
            s.set_snapshot(snap);
            auto res = fetch(s, "/health");
            BOOST_TEST(res.result_int() == code);
            BOOST_TEST(header(res, http::field::content_type) == "application/json");
            BOOST_TEST(res.body() == *snap->health_json);
        }
    }
}

BOOST_AUTO_TEST_CASE(pipeline_live_and_ready_answer_over_a_real_connection) {
    test_server s;
    auto pipeline = fetch(s, "/pipeline");
    BOOST_TEST(pipeline.result_int() == 200u);
    BOOST_TEST(header(pipeline, http::field::content_type) == "application/json");
    BOOST_TEST(pipeline.body() == pipeline_bytes);

    auto live = fetch(s, "/live");
    BOOST_TEST(live.result_int() == 200u);
    BOOST_TEST(live.body() == R"({"status":"live"})");

    auto ready = fetch(s, "/ready");
    BOOST_TEST(ready.result_int() == 200u);
    BOOST_TEST(ready.body() == R"({"status":"ready"})");
    s.set_ready(false);
    auto starting = fetch(s, "/ready");
    BOOST_TEST(starting.result_int() == 503u);
    BOOST_TEST(starting.body() == R"({"status":"starting"})");
    // /live does not depend on readiness.
    BOOST_TEST(fetch(s, "/live").result_int() == 200u);
}

BOOST_AUTO_TEST_CASE(bad_trace_limit_is_400_with_a_json_error) {
    test_server s;
    http_client c(s.endpoint());
    c.connect_or_fail();
    auto res = c.get("/trace?limit=0");
    BOOST_TEST(res.result_int() == 400u);
    BOOST_TEST(error_of(res) == "limit must be an integer from 1 to 10000, got \"0\"");
    // A 400 from the router ends the connection.
    BOOST_TEST(!res.keep_alive());
    expect_closed_by_server(c);

    auto good = fetch(s, "/trace?limit=5");
    BOOST_TEST(good.result_int() == 200u);
    BOOST_TEST(good.body() == "[]");
}

BOOST_AUTO_TEST_CASE(post_is_405_with_allow_and_the_connection_stays_usable) {
    test_server s;
    http_client c(s.endpoint());
    c.connect_or_fail();
    auto res = c.request(http::verb::post, "/stats", R"({"x":1})", {{"Content-Type", "application/json"}});
    BOOST_TEST(res.result_int() == 405u);
    BOOST_TEST(header(res, http::field::allow) == "GET, HEAD");
    BOOST_TEST(error_of(res) == "method not allowed");
    BOOST_TEST(res.keep_alive());
    // The POST body was consumed with the request: the next one parses cleanly.
    auto next = c.get("/stats");
    BOOST_TEST(next.result_int() == 200u);
    BOOST_TEST(next.body() == stats_bytes);
}

BOOST_AUTO_TEST_CASE(unknown_path_is_404_and_the_dashboard_is_served) {
    test_server s;
    auto res = fetch(s, "/nope");
    BOOST_TEST(res.result_int() == 404u);
    BOOST_TEST(error_of(res) == "not found");

    auto index = fetch(s, "/");
    BOOST_TEST(index.result_int() == 200u);
    BOOST_TEST(header(index, http::field::content_type) == "text/html; charset=utf-8");
    BOOST_TEST(index.body() == index_html);
}

BOOST_AUTO_TEST_CASE(every_endpoint_answers_like_the_router) {
    test_server s;
    for (std::string_view target : {"/stats", "/metrics", "/health", "/health/tagger", "/health/out", "/health/nope",
                                    "/pipeline", "/trace", "/trace?limit=10000", "/trace/abc", "/errors?limit=3",
                                    "/errors?limit=x", "/alerts", "/ws", "/stats?x=%zz", "/index.html", "/missing.js",
                                    "/../index.html"}) {
        BOOST_TEST_CONTEXT("target " << target) {
            http_request req{http::verb::get, target, 11};
            req.set(http::field::host, s.host());
            auto expected = sightline::handle_request(req, s.context());
            auto res = fetch(s, target);
            BOOST_TEST(res.result_int() == expected.result_int());
            BOOST_TEST(header(res, http::field::content_type) == header(expected, http::field::content_type));
            BOOST_TEST(res.body() == expected.body());
        }
    }
}

BOOST_AUTO_TEST_CASE(head_stats_has_content_length_and_no_body) {
    test_server s;
    http_client c(s.endpoint());
    c.connect_or_fail();
    BOOST_TEST_REQUIRE(!c.send("HEAD /stats HTTP/1.1\r\nHost: " + s.host() + "\r\nConnection: close\r\n\r\n"));
    auto [ec, raw] = c.read_to_end();
    BOOST_TEST((ec == net::error::eof), "read: " << ec.message());
    // Everything the server sent is one header block: not a byte of body.
    auto end = raw.find("\r\n\r\n");
    BOOST_TEST_REQUIRE(end != std::string::npos, "no complete header in: " << raw);
    BOOST_TEST(end + 4 == raw.size(), "bytes after the header: " << raw.substr(end + 4));

    http::response_parser<http::string_body> parser;
    parser.skip(true);  // the answer to a HEAD
    error_code pec;
    auto used = parser.put(net::buffer(raw), pec);
    BOOST_TEST(!pec, "parse: " << pec.message());
    BOOST_TEST(used == raw.size());
    BOOST_TEST(parser.is_done());
    const auto& res = parser.get();
    BOOST_TEST(res.result_int() == 200u);
    BOOST_TEST(std::string(res[http::field::content_type]) == "application/json");
    BOOST_TEST(std::string(res[http::field::content_length]) == std::to_string(stats_bytes.size()));
}

BOOST_AUTO_TEST_CASE(keep_alive_answers_three_requests_on_one_connection) {
    test_server s;
    http_client c(s.endpoint());
    c.connect_or_fail();
    auto stats = c.get("/stats");
    auto health = c.get("/health");
    auto pipeline = c.get("/pipeline");
    BOOST_TEST(stats.result_int() == 200u);
    BOOST_TEST(stats.body() == stats_bytes);
    BOOST_TEST(health.result_int() == 200u);
    BOOST_TEST(health.body() == *make_snapshot("healthy")->health_json);
    BOOST_TEST(pipeline.result_int() == 200u);
    BOOST_TEST(pipeline.body() == pipeline_bytes);
    for (const auto* res : {&stats, &health, &pipeline}) BOOST_TEST(res->keep_alive());
    // One session served all three.
    BOOST_TEST(s.sessions() == 1u);
}

BOOST_AUTO_TEST_CASE(pipelined_requests_are_answered_in_order) {
    test_server s;
    http_client c(s.endpoint());
    c.connect_or_fail();
    std::string host = "Host: " + s.host() + "\r\n\r\n";
    BOOST_TEST_REQUIRE(!c.send("GET /stats HTTP/1.1\r\n" + host + "GET /pipeline HTTP/1.1\r\n" + host +
                               "GET /live HTTP/1.1\r\n" + host));
    for (const auto& expected : {stats_bytes, pipeline_bytes, std::string(R"({"status":"live"})")}) {
        auto [ec, res] = c.receive();
        BOOST_TEST_REQUIRE(!ec, "read: " << ec.message());
        BOOST_TEST(res.result_int() == 200u);
        BOOST_TEST(res.body() == expected);
    }
}

BOOST_AUTO_TEST_CASE(garbage_bytes_get_400_with_a_json_body) {
    test_server s;
    {
        http_client c(s.endpoint());
        c.connect_or_fail();
        // The start of a TLS ClientHello, as a confused client would send to a plain HTTP port.
        static const char hello[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\x00garbage\r\n\r\n";
        BOOST_TEST_REQUIRE(!c.send(std::string(hello, sizeof hello - 1)));
        auto [ec, res] = c.receive();
        BOOST_TEST_REQUIRE(!ec, "read: " << ec.message());
        BOOST_TEST(res.result_int() == 400u);
        auto message = error_of(res);
        BOOST_TEST(starts_with(message, "malformed request: "), message);
        BOOST_TEST(!res.keep_alive());
        expect_closed_by_server(c);
    }
    expect_still_serving(s);
}

BOOST_AUTO_TEST_CASE(request_line_without_version_is_400) {
    test_server s;
    {
        http_client c(s.endpoint());
        c.connect_or_fail();
        BOOST_TEST_REQUIRE(!c.send("GET /stats\r\nHost: " + s.host() + "\r\n\r\n"));
        auto [ec, res] = c.receive();
        BOOST_TEST_REQUIRE(!ec, "read: " << ec.message());
        BOOST_TEST(res.result_int() == 400u);
        auto message = error_of(res);
        BOOST_TEST(starts_with(message, "malformed request: "), message);
        BOOST_TEST(!res.keep_alive());
        expect_closed_by_server(c);
    }
    expect_still_serving(s);
}

BOOST_AUTO_TEST_CASE(header_over_8_kib_is_413_and_one_under_is_served) {
    test_server s;
    auto with_header = [&](std::size_t n) {
        return "GET /stats HTTP/1.1\r\nHost: " + s.host() + "\r\nX-Big: " + std::string(n, 'a') + "\r\n\r\n";
    };
    {
        http_client c(s.endpoint());
        c.connect_or_fail();
        BOOST_TEST_REQUIRE(!c.send(with_header(9000)));
        auto [ec, res] = c.receive();
        BOOST_TEST_REQUIRE(!ec, "read: " << ec.message());
        BOOST_TEST(res.result_int() == 413u);
        auto message = error_of(res);
        BOOST_TEST(starts_with(message, "malformed request: "), message);
        BOOST_TEST(!res.keep_alive());
        expect_closed_by_server(c);
    }
    expect_still_serving(s);
    {
        http_client c(s.endpoint());
        c.connect_or_fail();
        BOOST_TEST_REQUIRE(!c.send(with_header(7000)));
        auto [ec, res] = c.receive();
        BOOST_TEST_REQUIRE(!ec, "read: " << ec.message());
        BOOST_TEST(res.result_int() == 200u);
        BOOST_TEST(res.body() == stats_bytes);
    }
}

BOOST_AUTO_TEST_CASE(body_over_64_kib_is_413_and_64_kib_is_served) {
    test_server s;
    auto with_body = [&](std::size_t n) {
        return "GET /stats HTTP/1.1\r\nHost: " + s.host() + "\r\nContent-Length: " + std::to_string(n) + "\r\n\r\n" +
               std::string(n, 'b');
    };
    {
        http_client c(s.endpoint());
        c.connect_or_fail();
        // The server answers after the header and closes without reading the body, so this
        // write may fail (connection reset); the answer is in our receive queue either way.
        (void)c.send(with_body(64 * 1024 + 1));
        auto [ec, res] = c.receive();
        BOOST_TEST_REQUIRE(!ec, "read: " << ec.message());
        BOOST_TEST(res.result_int() == 413u);
        auto message = error_of(res);
        BOOST_TEST(starts_with(message, "malformed request: "), message);
        BOOST_TEST(!res.keep_alive());
        expect_closed_by_server(c);
    }
    expect_still_serving(s);
    {
        http_client c(s.endpoint());
        c.connect_or_fail();
        BOOST_TEST_REQUIRE(!c.send(with_body(64 * 1024)));
        auto [ec, res] = c.receive();
        BOOST_TEST_REQUIRE(!ec, "read: " << ec.message());
        BOOST_TEST(res.result_int() == 200u);
        BOOST_TEST(res.body() == stats_bytes);
        BOOST_TEST(res.keep_alive());
    }
}

BOOST_AUTO_TEST_CASE(third_concurrent_connection_gets_503_when_max_sessions_is_2) {
    test_server s(http_limits{.max_sessions = 2});
    http_client first(s.endpoint()), second(s.endpoint());
    first.connect_or_fail();
    second.connect_or_fail();
    // Answered, so both sessions are running (and wait for their next request).
    BOOST_TEST(first.get("/live").result_int() == 200u);
    BOOST_TEST(second.get("/live").result_int() == 200u);
    BOOST_TEST(s.sessions() == 2u);
    {
        http_client third(s.endpoint());
        third.connect_or_fail();
        // The server answers without reading: the request may meet a closed socket.
        (void)third.send("GET /health HTTP/1.1\r\nHost: " + s.host() + "\r\n\r\n");
        auto [ec, res] = third.receive();
        BOOST_TEST_REQUIRE(!ec, "read: " << ec.message());
        BOOST_TEST(res.result_int() == 503u);
        BOOST_TEST(error_of(res) == "too many connections");
        BOOST_TEST(!res.keep_alive());
        expect_closed_by_server(third);
    }
    // The two admitted clients are unaffected.
    BOOST_TEST(second.get("/stats").body() == stats_bytes);
    // Once one leaves, a newcomer is admitted.
    first.close();
    BOOST_TEST_REQUIRE(wait_until([&] { return s.sessions() == 1; }), "sessions: " << s.sessions());
    auto res = fetch(s, "/health");
    BOOST_TEST(res.result_int() == 200u);
}

BOOST_AUTO_TEST_CASE(half_a_request_line_is_disconnected_after_the_request_timeout) {
    test_server s(http_limits{.request_timeout = 200ms});
    http_client c(s.endpoint());
    auto t0 = steady::now();
    c.connect_or_fail();
    BOOST_TEST_REQUIRE(!c.send("GET /sta"));
    std::string got;
    auto r = c.read_some(got);
    auto elapsed_ms = ms_since(t0);
    BOOST_TEST((r.ec == net::error::eof), "read: " << r.ec.message());
    BOOST_TEST(got.empty(), "answered: " << got);
    BOOST_TEST(elapsed_ms >= 200);  // t0 was taken before the server's clock started
    BOOST_TEST(elapsed_ms < 3000);
    BOOST_TEST(wait_until([&] { return s.sessions() == 0; }));
    BOOST_TEST(fetch(s, "/live").result_int() == 200u);
}

BOOST_AUTO_TEST_CASE(idle_keep_alive_connection_is_closed_after_the_keep_alive_timeout) {
    test_server s(http_limits{.keep_alive_timeout = 200ms});
    http_client c(s.endpoint());
    c.connect_or_fail();
    BOOST_TEST(c.get("/live").result_int() == 200u);
    auto t0 = steady::now();
    std::string got;
    auto r = c.read_some(got);
    auto elapsed_ms = ms_since(t0);
    BOOST_TEST((r.ec == net::error::eof), "read: " << r.ec.message());
    BOOST_TEST(got.empty(), "unexpected bytes: " << got);
    BOOST_TEST(elapsed_ms >= 100);  // the server's clock started as it wrote the answer
    BOOST_TEST(elapsed_ms < 3000);
}

// Regression: later keep-alive requests were read under the idle timeout, not the request timeout.
BOOST_AUTO_TEST_CASE(stalled_second_request_on_a_keep_alive_connection_is_cut_at_the_request_timeout) {
    test_server s(http_limits{.request_timeout = 200ms, .keep_alive_timeout = 5000ms});
    http_client c(s.endpoint());
    c.connect_or_fail();
    BOOST_TEST(c.get("/live").result_int() == 200u);
    auto t0 = steady::now();
    BOOST_TEST_REQUIRE(!c.send("GET /sta"));
    std::string got;
    auto r = c.read_some(got);  // gives up after op_limit (3 s) with a timeout
    auto elapsed_ms = ms_since(t0);
    BOOST_TEST((r.ec == net::error::eof), "read: " << r.ec.message());
    BOOST_TEST(elapsed_ms < 2000);
}

BOOST_AUTO_TEST_CASE(ws_upgrade_sends_hello_then_published_frames_in_order) {
    test_server s;
    ws_client c(s.endpoint());
    websocket::response_type res;
    auto ec = c.open(s.host(), "/ws", {}, res);
    BOOST_TEST_REQUIRE(!ec, "upgrade: " << ec.message());
    BOOST_TEST(res.result_int() == 101u);
    BOOST_TEST(std::string(res[http::field::server]) == "sightline");

    auto [hec, hello] = c.read();
    BOOST_TEST_REQUIRE(!hec, "hello: " << hec.message());
    BOOST_TEST(c.stream().got_text());
    auto v = json::parse(hello);
    BOOST_TEST(v.at("type") == json::value("hello"));
    BOOST_TEST(v.at("pipeline") == json::parse(pipeline_bytes));
    BOOST_TEST(v.at("snapshot") == json::parse(stats_frame_bytes));
    BOOST_TEST(v.at("seq") == json::value(7));
    BOOST_TEST(v.at("push_interval_ms") == json::value(1000));
    BOOST_TEST(v.at("traces").as_array().empty());  // no trace store in this context
    BOOST_TEST(v.at("errors").as_array().empty());
    // The session joined the broadcaster before it wrote the hello.
    BOOST_TEST(s.hub().clients() == 1u);

    // Stats frames (droppable) and every fifth a health frame (never dropped), in order.
    std::vector<std::shared_ptr<const std::string>> frames;
    for (std::size_t i = 0; i < 30; ++i) {
        frames.push_back(i % 5 == 4 ? std::make_shared<const std::string>(R"({"type":"health","seq":)" +
                                                                          std::to_string(i) + "}")
                                    : numbered_frame(i));
        s.hub().publish(frames.back(), i % 5 != 4 ? sightline::frame_kind::stats : sightline::frame_kind::control);
    }
    for (std::size_t i = 0; i < frames.size(); ++i) {
        auto [rec, message] = c.read();
        BOOST_TEST_REQUIRE(!rec, "frame " << i << ": " << rec.message());
        BOOST_TEST(message == *frames[i]);
    }

    // A closed client leaves the broadcaster.
    BOOST_TEST(!c.close());
    BOOST_TEST(wait_until([&] { return s.hub().clients() == 0; }), "clients: " << s.hub().clients());
}

BOOST_AUTO_TEST_CASE(ws_upgrade_needs_the_token_by_header_or_query) {
    test_server s({}, [](api_context& ctx) { ctx.token = "s3cret"; });
    expect_upgrade_refused(s, "/ws", {}, 401, "missing or wrong bearer token");
    expect_upgrade_refused(s, "/ws?token=wrong", {}, 401, "missing or wrong bearer token");
    expect_upgrade_refused(s, "/ws", {{"Authorization", "Bearer wrong"}}, 401, "missing or wrong bearer token");
    {
        ws_client c(s.endpoint());
        websocket::response_type res;
        BOOST_TEST((c.open(s.host(), "/ws", {}, res) == websocket::error::upgrade_declined));
        BOOST_TEST(std::string(res[http::field::www_authenticate]) == "Bearer");
    }
    {
        ws_client c(s.endpoint());
        open_and_read_hello(c, s, "/ws?token=s3cret");
    }
    {
        ws_client c(s.endpoint());
        open_and_read_hello(c, s, "/ws", {{"Authorization", "Bearer s3cret"}});
    }
    // The plain API takes the header only.
    BOOST_TEST(fetch(s, "/stats").result_int() == 401u);
    BOOST_TEST(fetch(s, "/stats?token=s3cret").result_int() == 401u);
    BOOST_TEST(fetch(s, "/stats", {{"Authorization", "Bearer s3cret"}}).body() == stats_bytes);
}

BOOST_AUTO_TEST_CASE(ws_origin_must_be_the_servers_own_or_allowed) {
    test_server s({}, [](api_context& ctx) { ctx.allowed_origins = {"https://dash.example.com"}; });
    expect_upgrade_refused(s, "/ws", {{"Origin", "http://evil.example"}}, 403, "origin not allowed");
    expect_upgrade_refused(s, "/ws", {{"Origin", "http://" + s.host() + ".evil.example"}}, 403, "origin not allowed");
    expect_upgrade_refused(s, "/ws", {{"Origin", "https://dash.example.com.evil"}}, 403, "origin not allowed");
    {
        ws_client c(s.endpoint());
        open_and_read_hello(c, s, "/ws", {{"Origin", "http://" + s.host()}});
    }
    {
        ws_client c(s.endpoint());
        open_and_read_hello(c, s, "/ws", {{"Origin", "https://dash.example.com"}});
    }
}

BOOST_AUTO_TEST_CASE(ws_client_that_never_reads_is_closed_after_max_behind_and_a_reader_gets_every_frame) {
    test_server s(http_limits{.ws_max_behind = 300ms});
    // The slow client reads nothing after the handshake, through a small receive window.
    ws_client slow(s.endpoint(), 4096);
    websocket::response_type res;
    auto ec = slow.open(s.host(), "/ws", {}, res);
    BOOST_TEST_REQUIRE(!ec, "slow upgrade: " << ec.message());
    ws_client reader(s.endpoint());
    open_and_read_hello(reader, s, "/ws");
    BOOST_TEST_REQUIRE(wait_until([&] { return s.hub().clients() == 2; }), "clients: " << s.hub().clients());

    std::vector<std::string> received;
    std::optional<error_code> reader_end;
    net::co_spawn(reader.context(), read_frames(&reader.stream(), &received, &reader_end),
                  [](std::exception_ptr e) {
                      if (e) std::rethrow_exception(e);  // out of run_for, failing the test
                  });
    reader.context().restart();

    constexpr std::size_t frame_bytes = 32 * 1024;
    constexpr std::size_t max_frames = 3000;
    // The reader may lag this many frames: far below its queue of 64, so it never drops any.
    constexpr std::size_t max_lag = 8;
    std::vector<std::shared_ptr<const std::string>> frames;
    const auto start = steady::now();
    auto in_time = [&] { return steady::now() - start < 3s; };
    auto publish = [&] {
        while (frames.size() - received.size() >= max_lag && !reader_end && in_time())
            reader.context().run_for(1ms);
        frames.push_back(numbered_frame(frames.size(), frame_bytes));
        s.hub().publish(frames.back(), sightline::frame_kind::stats);
        reader.context().run_for(1ms);  // lets the reader read; paces publishing
    };
    std::optional<steady::duration> slow_closed_after;
    while (!slow_closed_after && frames.size() < max_frames && in_time()) {
        publish();
        if (s.hub().clients() == 1) slow_closed_after = steady::now() - start;
    }
    BOOST_TEST_REQUIRE(slow_closed_after.has_value(),
                       "slow client still connected after " << frames.size() << " frames");
    auto closed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(*slow_closed_after).count();
    BOOST_TEST(closed_ms >= 300);
    BOOST_TEST(closed_ms < 3000);
    // The reader keeps receiving after the slow client is gone.
    for (int i = 0; i < 20 && in_time(); ++i) publish();
    const auto deadline = steady::now() + 2s;
    while (received.size() < frames.size() && !reader_end && steady::now() < deadline) reader.context().run_for(1ms);

    BOOST_TEST(!reader_end.has_value(), "reader failed: " << reader_end.value_or(error_code{}).message());
    BOOST_TEST(received.size() == frames.size());
    std::size_t first_difference = 0;
    while (first_difference < std::min(received.size(), frames.size()) &&
           received[first_difference] == *frames[first_difference])
        ++first_difference;
    BOOST_TEST(first_difference == frames.size(), "the reader's frame " << first_difference << " differs");
    BOOST_TEST(s.hub().clients() == 1u);

    // What the slow client finally reads: the hello, some frames in order, then the end of
    // the connection (not our timeout).
    beast::get_lowest_layer(slow.stream()).expires_after(2s);
    std::vector<std::string> late;
    error_code slow_end;
    for (std::size_t i = 0; i <= frames.size() + 1; ++i) {
        auto done = std::make_shared<std::optional<error_code>>();
        beast::flat_buffer buffer;
        slow.stream().async_read(buffer, [done](error_code e, std::size_t) { *done = e; });
        slow.context().restart();
        slow.context().run_for(3s);
        BOOST_TEST_REQUIRE(done->has_value(), "slow client read still pending");
        if (**done) {
            slow_end = **done;
            break;
        }
        late.push_back(beast::buffers_to_string(buffer.data()));
    }
    BOOST_TEST(bool(slow_end), "the slow client read everything without an error");
    BOOST_TEST((slow_end != beast::error::timeout), "slow client: " << slow_end.message());
    BOOST_TEST_MESSAGE("slow client closed after " << closed_ms << " ms; " << frames.size() << " frames published, "
                                                   << late.size() << " messages reached the slow client, then "
                                                   << slow_end.message());
    BOOST_TEST_REQUIRE(!late.empty());
    BOOST_TEST(json::parse(late.front()).at("type") == json::value("hello"));
    BOOST_TEST(late.size() - 1 < frames.size(), "the slow client lost no frame");
    for (std::size_t i = 2; i < late.size(); ++i) BOOST_TEST(seq_of(late[i - 1]) < seq_of(late[i]));

    s.stop();
    BOOST_TEST(s.logged("slow_client_closed") == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
