#pragma once
#include <atomic>
#include <chrono>
#include <list>
#include <memory>
#include <mutex>

#include "sightline/core/net.hpp"
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
};

/// Lines from TCP clients, newline-framed or octet-counted (RFC 6587). Each connection
/// is a coroutine on its own strand with its own frame splitter; a batch is made from each read. While the
/// pipeline's first hand-off is full the connection does not read, so TCP flow control
/// pushes back on the sender and no accepted line is ever dropped.
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

private:
    void add_stats(source_stats& s) const override { s.bad_frames = metrics.bad_frames.get(); }
    net::awaitable<void> accept_loop();
    /// Starts serving an accepted connection, or refuses it beyond max_connections.
    void admit(std::shared_ptr<tcp::socket> socket);
    net::awaitable<void> serve(std::shared_ptr<tcp::socket> socket);
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
};

}  // namespace sightline
