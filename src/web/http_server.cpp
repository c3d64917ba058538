#include "sightline/web/http_server.hpp"

#include "sightline/core/listen_socket.hpp"

#include <sstream>
#include <type_traits>

#include "sightline/core/log.hpp"
#include "sightline/core/log_exit.hpp"
#include "sightline/core/tls_stream.hpp"
#include "sightline/web/hello_frame.hpp"
#include "sightline/web/websocket_session.hpp"

namespace sightline {

http_limits limits_of(const http_config& c) {
    http_limits l;
    l.request_timeout = std::chrono::milliseconds(c.request_timeout_ms);
    l.keep_alive_timeout = std::chrono::milliseconds(c.keep_alive_timeout_ms);
    l.max_sessions = static_cast<std::size_t>(c.max_connections);
    l.ws_max_behind = std::chrono::milliseconds(c.ws_max_behind_ms);
    return l;
}

http_server::http_server(net::io_context& ioc, tcp::endpoint listen, api_context ctx, broadcaster& hub, http_limits limits,
                         std::optional<tls_settings> tls)
    : ioc_(ioc), acceptor_(net::make_strand(ioc)), ctx_(std::move(ctx)), hub_(hub), limits_(limits) {
    // Credentials first: a certificate that cannot be used fails start-up before the port is taken.
    if (tls) tls_ = std::make_unique<tls_credentials>(std::move(*tls), std::pair{std::string("http"), std::string("tls")}, "web.http");
    ctx_.https = tls_ != nullptr;
    open_listener(acceptor_, listen, "cannot listen for HTTP on");
    local_ = acceptor_.local_endpoint();
}

void http_server::start() {
    net::co_spawn(acceptor_.get_executor(), [self = shared_from_this()] { return self->accept_loop(); },
                  log_exit("web.http", "accept_loop"));
    log::write(log::level::info, "web.http", "listening",
               {{"address", to_string(local_)}, {"scheme", tls_ ? "https" : "http"}});
}

void http_server::reload_tls() {
    if (tls_) tls_->reload();
}

std::vector<std::pair<std::string, std::uint64_t>> http_server::tls_figures() const {
    return tls_ ? tls_->figures() : std::vector<std::pair<std::string, std::uint64_t>>{};
}

void http_server::stop() {
    net::post(acceptor_.get_executor(), [self = shared_from_this()] {
        error_code ignored;
        self->acceptor_.close(ignored);
    });
}

net::awaitable<void> http_server::accept_loop() {
    for (;;) {
        auto [ec, socket] = co_await acceptor_.async_accept(net::make_strand(ioc_), use_aw_ec);
        if (ec) {
            if (!acceptor_.is_open()) break;
            log::write(log::level::warn, "web.http", "accept_failed", {{"error", ec.message()}});
            net::steady_timer pause(acceptor_.get_executor(), std::chrono::milliseconds(50));
            co_await pause.async_wait(use_aw_ec);
            continue;
        }
        auto ex = socket.get_executor();
        net::co_spawn(ex, [self = shared_from_this(), s = std::move(socket)]() mutable { return self->session(std::move(s)); },
                      log_exit("web.http", "session"));
    }
}

net::awaitable<void> http_server::session(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    // The slot is held by whoever serves the connection: this coroutine, or the
    // WebSocket session it becomes, so WebSocket clients count against the cap too.
    ++sessions_;
    std::shared_ptr<void> slot(nullptr, [self = shared_from_this()](void*) { --self->sessions_; });
    if (sessions_ > limits_.max_sessions) {
        // A TLS client could not read a plain answer: it is only closed.
        if (tls_) co_return;
        auto res = error_response(http::status::service_unavailable, "too many connections", 11);
        res.keep_alive(false);
        stream.expires_after(std::chrono::seconds(2));
        co_await http::async_write(stream, res, use_aw_ec);
        co_return;
    }
    if (tls_) {
        co_await serve_tls(std::move(stream), std::move(slot));
        co_return;
    }
    beast::flat_buffer buffer;
    co_await serve(stream, buffer, std::move(slot));
}

net::awaitable<void> http_server::serve_tls(beast::tcp_stream stream, std::shared_ptr<void> slot) {
    auto context = tls_->current();
    const auto timeout = tls_->settings().handshake_timeout;
    auto timed_out = "no handshake within " + std::to_string(timeout.count()) + " ms";
    beast::flat_buffer buffer;
    // The handshake has a deadline: a client that connects and says nothing is let go.
    stream.expires_after(timeout);
    auto [ec, n] = co_await stream.async_read_some(buffer.prepare(1024), use_aw_ec);
    if (ec) {
        if (ec == beast::error::timeout) tls_->handshake_failed("timeout", peer_of(stream.socket()), timed_out);
        co_return;
    }
    buffer.commit(n);
    // A TLS client opens with a handshake record (0x16). Anything else is someone typing
    // http:// : it gets an answer it can read rather than a TLS alert.
    if (static_cast<const unsigned char*>(buffer.data().data())[0] != 0x16) {
        tls_->handshake_failed("not_tls", peer_of(stream.socket()), "a plaintext request on the HTTPS port");
        auto res = error_response(http::status::bad_request, "this server speaks HTTPS: use https://", 11);
        res.keep_alive(false);
        stream.expires_after(std::chrono::seconds(2));
        co_await http::async_write(stream, res, use_aw_ec);
        error_code ignored;
        stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
        co_return;
    }
    auto peer = peer_of(stream.socket());
    tls_stream secure(std::move(stream), *context);
    auto [hec, used] = co_await secure.async_handshake(ssl::stream_base::server, buffer.data(), use_aw_ec);
    if (hec) {
        bool late = hec == beast::error::timeout;
        tls_->handshake_failed(late ? "timeout" : tls_failure_reason(hec), peer, late ? timed_out : hec.message());
        co_return;
    }
    buffer.consume(used);
    tls_->handshake_succeeded();
    // The connection (or the WebSocket it becomes) keeps the context it was made with.
    std::shared_ptr<void> keep = std::make_shared<std::pair<std::shared_ptr<void>, std::shared_ptr<ssl::context>>>(
        std::move(slot), std::move(context));
    co_await serve(secure, buffer, std::move(keep));
}

template <class Stream>
net::awaitable<void> http_server::serve(Stream& stream, beast::flat_buffer& buffer, std::shared_ptr<void> slot) {
    auto& tcp_layer = beast::get_lowest_layer(stream);
    for (bool first = true;; first = false) {
        http::request_parser<http::string_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(limits_.max_header_bytes));
        parser.body_limit(limits_.max_body_bytes);
        // Idle between requests may last the keep-alive timeout; once a request has
        // started (its first byte is here) it must be complete within the request timeout.
        if (!first && buffer.size() == 0) {
            tcp_layer.expires_after(limits_.keep_alive_timeout);
            auto [ec, n] = co_await stream.async_read_some(buffer.prepare(4096), use_aw_ec);
            if (ec) break;
            buffer.commit(n);
        }
        tcp_layer.expires_after(limits_.request_timeout);
        auto [ec, n] = co_await http::async_read(stream, buffer, parser, use_aw_ec);
        if (ec == http::error::end_of_stream || ec == beast::error::timeout || is_benign(ec)) break;
        if (ec) {
            auto status = ec == http::error::header_limit || ec == http::error::body_limit
                              ? http::status::payload_too_large
                              : http::status::bad_request;
            auto res = error_response(status, "malformed request: " + ec.message(), 11);
            res.keep_alive(false);
            tcp_layer.expires_after(std::chrono::seconds(2));
            co_await http::async_write(stream, res, use_aw_ec);
            break;
        }
        auto req = parser.release();
        if (req.target().empty() || req.target().front() != '/') req.target(origin_form(req.target()));
        std::string_view target = req.target();
        if (websocket::is_upgrade(req) && target.substr(0, target.find('?')) == "/ws") {
            std::optional<http_response> refusal;
            if (!host_ok(req, ctx_))  // DNS rebinding
                refusal = error_response(http::status::forbidden, "host not allowed (see http.allowed_hosts)", req.version());
            else if (!token_ok(req, ctx_))
                refusal = unauthorized_response(req.version());
            else if (!origin_ok(req, ctx_))  // cross-site WebSocket hijacking
                refusal = error_response(http::status::forbidden, "origin not allowed", req.version());
            if (refusal) {
                refusal->keep_alive(false);
                co_await http::async_write(stream, *refusal, use_aw_ec);
                break;
            }
            tcp_layer.expires_never();
            auto make_hello = [self = shared_from_this()] { return hello_frame(self->ctx_); };
            std::make_shared<websocket_session<Stream>>(std::move(stream), std::move(make_hello), limits_.ws_max_behind, slot)
                ->start(std::move(req), hub_);
            co_return;
        }
        http_response res;
        if (target.substr(0, target.find('?')) == "/reload") {
            if (auto refusal = check_reload_request(req, ctx_)) {
                res = std::move(*refusal);
            } else {
                auto op = ctx_.reload();
                auto [status, body] = co_await std::move(op);
                res = json_response(status, req.version(), std::move(body));
            }
        } else {
            res = handle_request(req, ctx_);
        }
        bool keep = req.keep_alive() && res.result() != http::status::bad_request;
        res.keep_alive(keep);
        if (req.method() == http::verb::head) {
            // HEAD: same headers, no body.
            auto length = res.body().size();
            http::response<http::empty_body> head{std::move(res.base())};
            head.content_length(length);
            auto [wec, wn] = co_await http::async_write(stream, head, use_aw_ec);
            if (wec) break;
        } else {
            tcp_layer.expires_after(limits_.request_timeout);
            auto [wec, wn] = co_await http::async_write(stream, res, use_aw_ec);
            if (wec) break;
        }
        if (!keep) break;
    }
    if constexpr (std::is_same_v<Stream, tls_stream>) {
        // close_notify, briefly: a peer that is gone must not hold the coroutine.
        tcp_layer.expires_after(std::chrono::seconds(2));
        co_await stream.async_shutdown(use_aw_ec);
    } else {
        error_code ignored;
        tcp_layer.socket().shutdown(tcp::socket::shutdown_send, ignored);
    }
}

}  // namespace sightline
