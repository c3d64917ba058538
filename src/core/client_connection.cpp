#include "sightline/core/client_connection.hpp"

namespace sightline {

namespace {
std::variant<beast::tcp_stream, tls_stream> make_stream(const net::any_io_executor& ex, const tls_client* tls) {
    if (!tls) return beast::tcp_stream(ex);
    return tls_stream(beast::tcp_stream(ex), *tls->context);
}
}  // namespace

client_connection::client_connection(const net::any_io_executor& ex, std::shared_ptr<const tls_client> tls)
    : tls_(std::move(tls)), stream_(make_stream(ex, tls_.get())) {}

beast::tcp_stream& client_connection::tcp() {
    return std::visit([](auto& s) -> beast::tcp_stream& { return beast::get_lowest_layer(s); }, stream_);
}

net::awaitable<std::string> client_connection::connect(const std::string& host, const std::string& port,
                                                       std::chrono::milliseconds timeout) {
    auto where = (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + port;
    auto ex = co_await net::this_coro::executor;
    // The resolver has no deadline of its own: race it against a timer. Both are shared
    // with the timer's handler, which may run after this coroutine moved on.
    auto resolver = std::make_shared<tcp::resolver>(ex);
    const auto deadline = std::chrono::steady_clock::now() + timeout;  // for all the steps together
    net::steady_timer resolve_timer(ex, deadline);
    resolve_timer.async_wait([resolver](const error_code& ec) {
        if (!ec) resolver->cancel();
    });
    auto [rec, endpoints] = co_await resolver->async_resolve(host, port, use_aw_ec);
    resolve_timer.cancel();
    if (rec) co_return "resolve " + host + ": " + (rec == net::error::operation_aborted ? "timed out" : rec.message());
    tcp().expires_at(deadline);
    auto [cec, ep] = co_await tcp().async_connect(endpoints, use_aw_ec);
    if (cec) co_return "connect to " + where + ": " + (cec == beast::error::timeout ? "timed out" : cec.message());
    if (auto* secure = std::get_if<tls_stream>(&stream_)) {
        expect_server_name(secure->native_handle(), host, tls_->settings);
        auto [hec] = co_await secure->async_handshake(ssl::stream_base::client, use_aw_ec);
        if (hec) co_return "TLS handshake with " + where + ": " + tls_client_error(hec, secure->native_handle());
    }
    tcp().expires_never();  // each later operation sets its own deadline
    co_return std::string();
}

net::awaitable<void> client_connection::shutdown(std::chrono::milliseconds timeout) {
    if (auto* secure = std::get_if<tls_stream>(&stream_); secure && tcp().socket().is_open()) {
        tcp().expires_after(timeout);
        co_await secure->async_shutdown(use_aw_ec);
    }
    error_code ignored;
    tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
    tcp().close();
}

}  // namespace sightline
