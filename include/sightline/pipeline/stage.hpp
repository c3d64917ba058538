#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sightline/core/config.hpp"
#include "sightline/core/log.hpp"
#include "sightline/core/net.hpp"
#include "sightline/observe/error_log.hpp"
#include "sightline/observe/metrics.hpp"
#include "sightline/observe/trace_store.hpp"
#include "sightline/pipeline/batch_consumer.hpp"
#include "sightline/pipeline/batch_runner.hpp"
#include "sightline/pipeline/circuit_breaker.hpp"
#include "sightline/pipeline/output_ports.hpp"
#include "sightline/processors/processor.hpp"

namespace sightline {

/// How a stage is built: its processor, outputs and failure policies.
struct stage_options {
    std::string id;
    std::string type;
    std::unique_ptr<processor> proc;
    /// One entry per output port: the route label ("" for plain next).
    std::vector<std::string> port_routes;
    std::optional<retry_policy> retry;
    std::optional<circuit_policy> circuit;
};

/// A processor on its own strand: takes batches from its bounded input, runs the
/// processor over each, forwards one batch per port to every target and failed lines to
/// the dead-letter sink. Failed lines are retried (if the stage has a retry policy)
/// without holding up the batch; a circuit breaker (if configured) refuses batches
/// while the processor keeps failing. All processor state is touched only on strand_.
class stage : public batch_consumer, public std::enable_shared_from_this<stage> {
public:
    stage(net::io_context& ioc, stage_options options);

    const std::string& type() const { return type_; }
    /// Wires `target` to output `port` (before start()).
    void connect(std::size_t port, batch_consumer* target) { outputs_.connect(port, target); }
    /// Leads the ports to new targets while running (hot reload; one list per port).
    void rewire(std::vector<std::vector<batch_consumer*>> ports) { outputs_.rewire(std::move(ports)); }
    /// Where failed lines go; counts this stage as one of its producers. Without one,
    /// failed lines are only counted.
    void set_dead_letter(batch_consumer* dead_letter) {
        dead_letter_ = dead_letter;
        dead_letter_->add_producer();
    }
    /// Where finished traces and error records are published (either may be null).
    void set_observers(trace_store* traces, error_log* errors) {
        traces_ = traces;
        errors_ = errors;
    }
    /// Spawns the processing loop on the strand.
    void start();
    /// Every target of every port, each once.
    std::vector<batch_consumer*> targets() const { return outputs_.targets(); }
    /// The targets of each port now.
    std::vector<std::vector<batch_consumer*>> port_targets() const { return outputs_.port_lists(); }
    /// True once its input ended and it sent its end-of-stream on.
    bool finished() const { return finished_.load(); }
    /// The circuit breaker, if the stage has one.
    const circuit_breaker* breaker() const { return breaker_ ? &*breaker_ : nullptr; }
    /// Lines waiting for a retry.
    std::uint64_t retry_pending() const { return retry_pending_.load(std::memory_order_relaxed); }

    /// This stage's statistics now.
    stage_stats stats() const;

    stage_metrics metrics;

private:
    net::awaitable<void> run();
    /// Runs one batch (a fresh one, or lines being retried: `attempt` > 1).
    net::awaitable<void> handle(line_batch batch, unsigned attempt);
    /// Lines whose failure is final: counted, logged, traced, dead-lettered.
    net::awaitable<void> fail_for_good(std::vector<failed_line> failures, std::vector<receipt> receipts);
    /// Retries `failures` after the backoff for `attempt`, on the strand.
    /// Counts a batch's parse failures and shows the kept or dropped ones in /errors.
    void record_parse_failures(const batch_result& result);
    net::awaitable<void> retry_later(std::vector<failed_line> failures, line_batch events, unsigned attempt);
    /// Dead-letter JSON lines for final failures.
    line_batch dead_letter_batch(const std::vector<failed_line>& failures, std::vector<receipt> receipts) const;

    net::strand<net::io_context::executor_type> strand_;
    std::string type_;
    std::unique_ptr<processor> processor_;
    batch_runner runner_;
    output_ports outputs_;
    batch_consumer* dead_letter_ = nullptr;
    trace_store* traces_ = nullptr;
    error_log* errors_ = nullptr;
    std::optional<retry_policy> retry_;
    std::optional<circuit_breaker> breaker_;
    std::atomic<std::uint64_t> retry_pending_{0};
    std::atomic<bool> finished_{false};
    log::rate_limiter failure_log_{std::chrono::seconds(10), 5};
};

}  // namespace sightline
