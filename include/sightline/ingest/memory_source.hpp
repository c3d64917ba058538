#pragma once
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "sightline/core/net.hpp"
#include "sightline/ingest/source.hpp"

namespace sightline {

/// Lines given in advance, sent as one batch and then the end of the stream: what
/// `sightline test` feeds a pipeline with in place of a configured source (which keeps
/// its id and type, so the graph is the configured one).
class memory_source : public source, public std::enable_shared_from_this<memory_source> {
public:
    memory_source(net::io_context& ioc, std::string id, std::string type, std::vector<std::string> lines);

    void start(std::function<void()> on_done) override;
    void stop() override {}
    bool finite() const override { return true; }
    /// The id each line was given, in the order of the lines (empty until sent).
    std::vector<std::uint64_t> line_ids() const;

private:
    net::awaitable<void> run();

    net::strand<net::io_context::executor_type> strand_;
    std::vector<std::string> lines_;
    std::vector<std::uint64_t> ids_;  // written before the batch leaves, read after the drain
    std::atomic<bool> sent_{false};
};

}  // namespace sightline
