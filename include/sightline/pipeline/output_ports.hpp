#pragma once
#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include "sightline/core/net.hpp"
#include "sightline/pipeline/batch_consumer.hpp"

namespace sightline {

/// One generation of a producer's outputs: the targets of each port. A generation counts
/// once as a producer of each distinct target, so each gets one end-of-stream from it:
/// when the producer ends its stream (output_ports::end), or, for a generation that a
/// reload replaced, as soon as no send holds it any more. That is what lets a reload
/// rewire a running producer without losing a line or ending a consumer too early.
class port_wiring {
public:
    /// Counts this generation as a producer of each distinct target.
    explicit port_wiring(std::vector<std::vector<batch_consumer*>> ports);
    /// A replaced generation that was never ended sends its end-of-stream now (detached).
    ~port_wiring();
    port_wiring(const port_wiring&) = delete;
    port_wiring& operator=(const port_wiring&) = delete;

    std::size_t ports() const { return ports_.size(); }
    const std::vector<batch_consumer*>& port(std::size_t p) const { return ports_.at(p); }
    const std::vector<std::vector<batch_consumer*>>& port_lists() const { return ports_; }
    /// Every target of every port, each once.
    const std::vector<batch_consumer*>& targets() const { return distinct_; }
    /// Adds a target while wiring (before anything runs).
    void add(std::size_t port, batch_consumer* target);
    /// Sends the end-of-stream to every target now.
    net::awaitable<void> end();

private:
    std::vector<std::vector<batch_consumer*>> ports_;
    std::vector<batch_consumer*> distinct_;
    net::any_io_executor executor_;  // the targets' (one io_context for all)
    std::atomic<bool> ended_{false};
};

/// A producer's outputs (a source's one port, a stage's ports, a disk buffer's sink),
/// replaceable while it runs (hot reload). Each send takes the current generation and
/// holds it until its batch is queued, so a replaced generation ends only after its last
/// batch.
class output_ports {
public:
    explicit output_ports(std::size_t ports = 1);

    /// Wires `target` to `port` (before start()).
    void connect(std::size_t port, batch_consumer* target);
    /// Takes a generation made beforehand (before start(); a reload that counted this
    /// producer before it could build it).
    void adopt(std::shared_ptr<port_wiring> w);
    /// The generation to send through (null once the stream has ended).
    std::shared_ptr<const port_wiring> current() const;
    /// Every target now, each once, and the targets of each port.
    std::vector<batch_consumer*> targets() const;
    std::vector<std::vector<batch_consumer*>> port_lists() const;
    /// From now on the ports lead to `ports` (one list per port); the previous generation
    /// ends once no send holds it. False (nothing changed) once the stream has ended.
    bool rewire(std::vector<std::vector<batch_consumer*>> ports);
    /// Ends the stream: every current target gets its end-of-stream after the sends
    /// that hold this generation.
    net::awaitable<void> end();
    std::size_t ports() const { return ports_; }

private:
    std::size_t ports_;
    mutable std::mutex mutex_;
    std::shared_ptr<port_wiring> current_;
    bool ended_ = false;
};

/// Sends `batch` to every target of port `p` of `w`: copies of the line positions for all
/// but the last (the byte buffer is shared), the batch itself to the last.
net::awaitable<void> send_to_port(const port_wiring& w, std::size_t p, line_batch batch);

}  // namespace sightline
