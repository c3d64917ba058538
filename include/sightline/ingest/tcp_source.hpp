#pragma once
#include <atomic>
#include <chrono>
#include <list>
#include <memory>
#include <mutex>
#include <optional>

#include "sightline/core/log.hpp"
#include "sightline/core/net.hpp"
#include "sightline/core/tls_credentials.hpp"
#include "sightline/ingest/frame_splitter.hpp"
#include "sightline/ingest/source.hpp"

namespace sightline {

/// Settings of a TCP source (the `tcp` source type's parameters).
struct tcp_source_config {
    tcp::endpoint listen;
    std::size_t max_line_bytes = 65536;
    std::size_t max_connections = 10000;
    std::chrono::milliseconds idle_timeout{0};       // 0: none
    std::chrono::milliseconds shutdown_timeout{5000};  // after stop(), how long open peers may keep sending
    std::size_t read_buffer_bytes = 256 * 1024;
    sightline::framing framing = sightline::framing::newline;
    /// Serve TLS (syslog over TLS, RFC 5425): every connection must handshake first.
    std::optional<tls_settings> tls;
};

/// Lines from TCP clients, newline-framed or octet-counted (RFC 6587). Each connection
/// is a coroutine on its own strand with its own frame splitter; a batch is made from each read. While the
/// pipeline's first hand-off is full the connection does not read, so TCP flow control
/// pushes back on the sender and no accepted line is ever dropped. With `tls`, each
/// connection handshakes within the handshake timeout first; a plaintext client, a
/// refused certificate and a handshake that times out are counted by reason and logged,
/// and the connection is closed.
class tcp_source : public source, public std::enable_shared_from_this<tcp_source> {
public:
    /// Binds and listens now, so a port in use fails at start-up (std::runtime_error
    /// naming the address).
    tcp_source(net::io_context& ioc, std::string id, tcp_source_config cfg);

    void start(std::function<void()> on_done) override;
    /// Closes the listener; open connections are read until their peers close them or
    /// the shutdown timeout passes, then the stream ends.
    void stop() override;
    bool finite() const override { return false; }
    bool listens() const override { return true; }
    /// The bound address (the real port when the config asked for port 0).
    tcp::endpoint local_endpoint() const { return local_; }
    /// Reads the certificate, key and CA files again (SIGHUP): new connections use
    /// them, open ones keep theirs. Files that cannot be used leave the old ones in place.
    void reload_tls() override;

private:
    void add_stats(source_stats& s) const override;
    net::awaitable<void> accept_loop();
    /// Starts serving an accepted connection, or refuses it beyond max_connections.
    void admit(std::shared_ptr<tcp::socket> socket);
    net::awaitable<void> serve(std::shared_ptr<tcp::socket> socket);
    /// Reads a plaintext connection until it ends.
    net::awaitable<void> read_plain(tcp::socket& socket, frame_splitter& splitter);
    /// Handshakes, then reads a TLS connection until it ends.
    net::awaitable<void> read_tls(tcp::socket& socket, std::shared_ptr<ssl::context> ctx, frame_splitter& splitter);
    /// Cuts `bytes` into lines and delivers them.
    net::awaitable<void> take(frame_splitter& splitter, std::string_view bytes);
    net::awaitable<void> shutdown_deadline();
    /// Called whenever the accept loop or a connection ends; sends end-of-stream once
    /// the listener is closed and the last connection is gone.
    void maybe_finish();

    net::io_context& ioc_;
    net::strand<net::io_context::executor_type> strand_;
    tcp_source_config cfg_;
    tcp::acceptor acceptor_;
    tcp::endpoint local_;

    std::mutex mutex_;  // guards the connection list and the end-of-stream decision
    std::list<std::weak_ptr<tcp::socket>> open_;
    std::size_t active_ = 0;
    bool accepting_ = true;
    bool finished_ = false;
    std::atomic<bool> stopping_{false};

    std::unique_ptr<tls_credentials> tls_;  // null: plain TCP
};

}  // namespace sightline
