#pragma once
#include <memory>
#include <string>
#include <vector>

#include "sightline/core/net.hpp"
#include "sightline/observe/metrics.hpp"
#include "sightline/pipeline/batch_consumer.hpp"
#include "sightline/pipeline/batch_runner.hpp"
#include "sightline/processors/processor.hpp"

namespace sightline {

/// A processor on its own strand: takes batches from its bounded input, runs the
/// processor over each, forwards one batch per port to every target and failed lines to
/// the dead-letter sink. All processor state is touched only on strand_.
class stage : public batch_consumer, public std::enable_shared_from_this<stage> {
public:
    stage(net::io_context& ioc, std::string id, std::string type, std::unique_ptr<processor> p,
          std::size_t port_count);

    const std::string& type() const { return type_; }
    /// Wires `target` to output `port` (before start()).
    void connect(std::size_t port, batch_consumer* target);
    /// Where failed lines go (nullptr: they are counted only).
    void set_dead_letter(batch_consumer* dead_letter) { dead_letter_ = dead_letter; }
    /// Spawns the processing loop on the strand.
    void start();
    /// Every target of every port, each once.
    std::vector<batch_consumer*> targets() const;

    stage_metrics metrics;

private:
    net::awaitable<void> run();
    /// Dead-letter JSON lines for this batch's failures.
    line_batch dead_letter_batch(const std::vector<failed_line>& failures) const;

    net::strand<net::io_context::executor_type> strand_;
    std::string type_;
    std::unique_ptr<processor> processor_;
    batch_runner runner_;
    std::vector<std::vector<batch_consumer*>> ports_;
    batch_consumer* dead_letter_ = nullptr;
};

}  // namespace sightline
