#pragma once
#include <chrono>
#include <atomic>
#include <memory>
#include <vector>

#include "sightline/core/net.hpp"
#include "sightline/ingest/line_splitter.hpp"
#include "sightline/ingest/source.hpp"

namespace sightline {

/// Settings of a UDP source (the `udp` source type's parameters).
struct udp_source_config {
    udp::endpoint listen;
    /// At shutdown, the longest time spent reading out what the kernel buffer holds.
    std::chrono::milliseconds shutdown_timeout{1000};
    std::size_t max_line_bytes = 65536;
    int receive_buffer_bytes = 4 * 1024 * 1024;
};

/// Lines from UDP datagrams: a datagram holds one or more lines, the trailing newline
/// is optional. Datagrams are drained with recvmmsg into one batch per wake-up. When the
/// pipeline's first hand-off is full the source stops reading, like TCP, and the socket's
/// kernel buffer (receive_buffer_bytes) absorbs the burst; datagrams the kernel dropped
/// because that buffer was full are read from SO_MEMINFO and reported as
/// kernel_dropped_datagrams. At shutdown the datagrams the kernel already holds are read
/// out and delivered (for at most shutdown_timeout_ms) before the socket closes.
class udp_source : public source, public std::enable_shared_from_this<udp_source> {
public:
    /// Binds now; a port in use fails with std::runtime_error naming the address.
    udp_source(net::io_context& ioc, std::string id, udp_source_config cfg);

    void start(std::function<void()> on_done) override;
    void stop() override;
    bool finite() const override { return false; }
    bool listens() const override { return true; }
    udp::endpoint local_endpoint() const { return local_; }
    /// Datagrams the kernel dropped on this socket (cumulative).
    std::uint64_t kernel_dropped() const { return kernel_dropped_.load(std::memory_order_relaxed); }
    /// Datagrams received.
    std::uint64_t datagrams() const { return datagrams_.load(std::memory_order_relaxed); }

protected:
    void add_stats(source_stats& s) const override;

private:
    net::awaitable<void> run();
    /// Reads every datagram waiting now (bounded), appending their lines to `batch`.
    void drain(line_batch& batch);
    /// Reads the kernel's count of datagrams dropped on this socket.
    void read_kernel_drops();

    net::strand<net::io_context::executor_type> strand_;
    udp_source_config cfg_;
    udp::socket socket_;
    udp::endpoint local_;
    line_splitter splitter_;
    std::vector<char> storage_;  // recvmmsg buffers, used only on strand_
    bool stopping_ = false;      // only on strand_
    std::atomic<std::uint64_t> kernel_dropped_{0};
    std::atomic<std::uint64_t> datagrams_{0};
};

}  // namespace sightline
