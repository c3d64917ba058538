#pragma once
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sightline/sinks/fd_writer.hpp"
#include "sightline/sinks/sink.hpp"

namespace sightline {

/// A sink that writes to a local file descriptor: a file, standard output, nothing
/// (null), or the dead-letter file. A timer on the sink's strand flushes the buffer so a
/// line never waits longer than the flush interval.
class writer_sink : public sink {
public:
    /// `writer` empty means a null sink (count and discard).
    writer_sink(net::io_context& ioc, std::string id, std::string type, std::optional<fd_writer> writer,
                std::chrono::milliseconds flush_interval);

    /// Spawns the write loop and the flush timer; `on_done` runs after the final flush.
    void start(std::function<void()> on_done) override;
    sink_stats stats() const override;
    /// Reopens the file (after log rotation), on the sink's strand.
    void reopen() override;

private:
    net::awaitable<void> run();
    net::awaitable<void> flush_periodically();
    void flush();
    /// Runs a writer operation and adds what it wrote or failed to the counters.
    bool account(const std::function<bool()>& write_op);
    /// Queues the writer's failed lines for the dead letter.
    void collect_failed();
    /// Lets go of the receipts of lines once none is left in the write buffer.
    void release_receipts();
    /// Publishes the traces of lines no longer in the write buffer: a line whose write
    /// failed ends in an error step (outcome "error"), the others with this sink.
    void finish_traces();

    // Traced lines wait here until their bytes left the buffer (strand only).
    std::vector<trace_ptr> pending_traces_;
    std::vector<std::uint64_t> failed_ids_;  // line ids whose write failed, while traces wait
    // Sources' receipts of lines still in the write buffer (strand only).
    std::vector<receipt> pending_receipts_;

    std::optional<fd_writer> writer_;
    std::string path_;
    std::chrono::milliseconds flush_interval_;
    net::steady_timer flush_timer_;
    bool finished_ = false;
};

}  // namespace sightline
