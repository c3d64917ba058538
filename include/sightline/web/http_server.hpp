#pragma once
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>

#include "sightline/core/config.hpp"
#include "sightline/core/net.hpp"
#include "sightline/core/tls_credentials.hpp"
#include "sightline/web/broadcaster.hpp"
#include "sightline/web/router.hpp"

namespace sightline {

/// Limits of the HTTP server (documented in README); the configurable ones default to
/// the `http` section's defaults.
struct http_limits {
    std::size_t max_header_bytes = 8 * 1024;
    std::size_t max_body_bytes = 64 * 1024;
    std::chrono::milliseconds request_timeout{http_config{}.request_timeout_ms};  // from first byte to complete request
    std::chrono::milliseconds keep_alive_timeout{http_config{}.keep_alive_timeout_ms};
    std::size_t max_sessions = static_cast<std::size_t>(http_config{}.max_connections);
    /// A WebSocket client with a full queue that took no frame for this long is closed.
    std::chrono::milliseconds ws_max_behind{http_config{}.ws_max_behind_ms};
};

/// The limits an `http` section sets.
http_limits limits_of(const http_config& c);

/// Beast HTTP/1.1 and WebSocket on the shared io_context: one coroutine per connection
/// on its own strand, keep-alive, bounded headers and bodies, a request timeout and a
/// cap on concurrent sessions (beyond it: 503 and close). With TLS settings it speaks
/// HTTPS and WSS only: a plaintext request is answered 400 in plain HTTP (saying to use
/// https://), and handshakes that fail are counted by reason and logged.
class http_server : public std::enable_shared_from_this<http_server> {
public:
    /// Binds now: an address in use fails with std::runtime_error naming it, and so do
    /// TLS files that cannot be used.
    http_server(net::io_context& ioc, tcp::endpoint listen, api_context ctx, broadcaster& hub, http_limits limits = {},
                std::optional<tls_settings> tls = std::nullopt);
    void start();
    void stop();
    tcp::endpoint local_endpoint() const { return local_; }
    std::size_t sessions() const { return sessions_.load(); }
    bool https() const { return tls_ != nullptr; }
    /// Reads the certificate and key again (SIGHUP; any thread, not the io threads):
    /// new connections use them, a failure keeps the old ones and is logged.
    void reload_tls();
    /// Handshakes, failures by reason and reloads (README "TLS"); none without TLS.
    std::vector<std::pair<std::string, std::uint64_t>> tls_figures() const;

private:
    net::awaitable<void> accept_loop();
    net::awaitable<void> session(tcp::socket socket);
    /// The TLS handshake on a new connection, then its requests.
    net::awaitable<void> serve_tls(beast::tcp_stream stream, std::shared_ptr<void> slot);
    /// Requests on one connection until it closes (it may become a WebSocket).
    template <class Stream>
    net::awaitable<void> serve(Stream& stream, beast::flat_buffer& buffer, std::shared_ptr<void> slot);

    net::io_context& ioc_;
    tcp::acceptor acceptor_;
    tcp::endpoint local_;
    api_context ctx_;
    broadcaster& hub_;
    http_limits limits_;
    std::atomic<std::size_t> sessions_{0};
    std::unique_ptr<tls_credentials> tls_;  // null: plain HTTP
};

}  // namespace sightline
