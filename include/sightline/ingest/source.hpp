#pragma once
#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "sightline/core/log.hpp"
#include "sightline/observe/metrics.hpp"
#include "sightline/observe/trace_sampler.hpp"
#include "sightline/pipeline/batch_consumer.hpp"
#include "sightline/pipeline/output_ports.hpp"

namespace sightline {

/// Where lines enter: reads bytes, cuts them into batches and sends them downstream,
/// waiting while the first hand-off is full (TCP and files simply stop reading).
class source {
public:
    source(std::string id, std::string type) : id_(std::move(id)), type_(std::move(type)) {}
    virtual ~source() = default;

    const std::string& id() const { return id_; }
    const std::string& type() const { return type_; }
    /// Wires a consumer (before start()).
    void connect(batch_consumer* target) { outputs_.connect(0, target); }
    /// Sends to `targets` from now on (hot reload): the connections and listener stay.
    void rewire(std::vector<batch_consumer*> targets) { outputs_.rewire({std::move(targets)}); }
    /// Takes outputs counted beforehand (before start(); see output_ports::adopt).
    void adopt_outputs(std::shared_ptr<port_wiring> w) { outputs_.adopt(std::move(w)); }
    /// Where lines go now.
    std::vector<batch_consumer*> targets() const { return outputs_.targets(); }
    /// Begins reading; `on_done` runs once the source has sent its end-of-stream.
    virtual void start(std::function<void()> on_done) = 0;
    /// Asks the source to stop reading and end its stream (graceful shutdown).
    virtual void stop() = 0;
    /// True when the source ends by itself (a file read once), so batch mode can exit.
    virtual bool finite() const = 0;
    /// True for a source that listens on the network (health judges it unhealthy once
    /// it no longer does).
    virtual bool listens() const { return false; }
    /// This source's statistics now.
    source_stats stats() const;
    /// Reads its TLS certificate and key again (SIGHUP); most sources have none.
    virtual void reload_tls() {}

    source_metrics metrics;

    /// Traces sampled lines from here on (null: tracing off).
    void set_sampler(std::shared_ptr<const trace_sampler> s) { sampler_ = std::move(s); }
    /// True from start until the source has ended its stream.
    bool running() const { return running_.load(); }
    void set_running(bool r) { running_ = r; }
    /// True while at least one reader of this source waits for room downstream.
    bool paused() const { return waiting_.load(std::memory_order_relaxed) > 0; }
    /// Total time spent paused, in milliseconds (running pause included).
    double paused_ms_total() const;

protected:
    /// Adds type-specific figures to this source's statistics.
    virtual void add_stats(source_stats&) const {}
    /// Sends a batch to every target, waiting while they are full. The first reader to
    /// wait logs `paused`; the last one to get through logs `resumed`, with how long.
    net::awaitable<void> deliver(line_batch batch);

    /// The end of every source's reading, written once: delivers `last` (the unfinished
    /// last lines, if any), sends end-of-stream to every target and runs on_done_.
    /// (No default argument: g++ 12 destroys a defaulted temporary of a co_await twice.)
    net::awaitable<void> end_stream(line_batch last);

    /// Gives each line of a batch about to leave this source its id, and the batch this
    /// source's id and the time (lines that already have ids keep them: a replay).
    void stamp(line_batch& batch) const;
    /// Marks the sampled lines of a batch about to leave this source.
    void sample(line_batch& batch) const {
        if (sampler_) sampler_->mark(batch, id_);
    }

    output_ports outputs_{1};
    std::shared_ptr<const trace_sampler> sampler_;
    /// What start() was given: run once the stream has ended (end_stream).
    std::function<void()> on_done_;

private:
    std::string id_;
    std::string type_;
    std::atomic<int> waiting_{0};
    std::atomic<bool> running_{false};
    mutable std::mutex pause_mutex_;  // guards the pause clock (taken only around full hand-offs)
    std::chrono::steady_clock::time_point paused_at_{};
    std::atomic<std::int64_t> paused_ns_total_{0};
    /// Flapping at full load would log every batch: at most a few transitions per minute.
    log::rate_limiter pause_log_{std::chrono::seconds(60), 6};
};

}  // namespace sightline
