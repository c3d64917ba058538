#pragma once
#include <memory>
#include <string>
#include <variant>

#include "sightline/core/net.hpp"
#include "sightline/core/tls_client.hpp"
#include "sightline/core/tls_stream.hpp"

namespace sightline {

/// One connection a client makes: plain TCP, or TLS over it when it was made with a
/// tls_client. Beast's timeouts (tcp().expires_after) cover both. Use visit() to run
/// the same Beast or Asio operation on whichever stream it is.
class client_connection {
public:
    /// `tls` null: plain TCP.
    client_connection(const net::any_io_executor& ex, std::shared_ptr<const tls_client> tls);

    beast::tcp_stream& tcp();
    bool secure() const { return tls_ != nullptr; }

    /// Resolves `host`, connects and, with TLS, handshakes (all within `timeout`),
    /// verifying the server's certificate. Empty on success, else what failed, e.g.
    /// "connect to 127.0.0.1:9: Connection refused" or "TLS handshake with
    /// 127.0.0.1:6443: certificate verify failed: unable to get local issuer certificate".
    net::awaitable<std::string> connect(const std::string& host, const std::string& port, std::chrono::milliseconds timeout);

    /// `f(stream)` for the stream in use (beast::tcp_stream or tls_stream).
    template <class F>
    decltype(auto) visit(F&& f) {
        return std::visit(std::forward<F>(f), stream_);
    }

    /// Ends the connection: close_notify (TLS, bounded by `timeout`), then the socket.
    net::awaitable<void> shutdown(std::chrono::milliseconds timeout);

private:
    std::shared_ptr<const tls_client> tls_;  // keeps the context alive as long as the stream
    std::variant<beast::tcp_stream, tls_stream> stream_;
};

}  // namespace sightline
