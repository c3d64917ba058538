#pragma once
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "sightline/core/net.hpp"
#include "sightline/observe/error_log.hpp"
#include "sightline/observe/metrics.hpp"
#include "sightline/observe/trace_store.hpp"
#include "sightline/pipeline/batch_consumer.hpp"
#include "sightline/sinks/fd_writer.hpp"
#include "sightline/sinks/line_format.hpp"

namespace sightline {

/// The end of the pipeline: a file, standard output, nothing (null), or the dead-letter
/// file. Runs on its own strand; a timer on the same strand flushes the buffer so a
/// line never waits longer than the flush interval.
class sink : public batch_consumer, public std::enable_shared_from_this<sink> {
public:
    /// `writer` empty means a null sink (count and discard).
    sink(net::io_context& ioc, std::string id, std::string type, std::optional<fd_writer> writer,
         std::chrono::milliseconds flush_interval);

    const std::string& type() const { return type_; }
    /// Spawns the write loop and the flush timer; `on_done` runs after the final flush.
    void start(std::function<void()> on_done);
    /// The file written to (empty for stdout and null sinks).
    const std::string& path() const { return path_; }
    /// Where traces of lines that end here, and write errors, are published.
    void set_observers(trace_store* traces, error_log* errors) {
        traces_ = traces;
        errors_ = errors;
    }
    /// Reopens the file (after log rotation), on the sink's strand.
    void reopen();
    /// Where lines go whose write failed (README "Sinks that fail"); counts this sink
    /// as one of its producers. Without one, such lines are only counted as errors.
    void set_dead_letter(batch_consumer* dead_letter) {
        dead_letter_ = dead_letter;
        dead_letter_->add_producer();
    }

    /// How lines are written (before start(); raw by default).
    void set_format(line_format f) { format_ = std::move(f); }
    /// This sink's statistics now.
    sink_stats stats() const;

    sink_metrics metrics;

private:
    net::awaitable<void> run();
    net::awaitable<void> flush_periodically();
    void flush();
    /// Runs a writer operation and adds what it wrote or failed to the counters.
    bool account(const std::function<bool()>& write_op);
    /// Moves the writer's failed lines, as dead-letter records, into pending_dead_.
    void collect_failed();
    /// Hands pending_dead_ to the dead letter (waiting for room).
    net::awaitable<void> send_failed();
    /// Publishes the traces of lines no longer in the write buffer: a line whose write
    /// failed ends in an error step (outcome "error"), the others with this sink.
    void finish_traces();

    // Traced lines wait here until their bytes left the buffer (strand only).
    std::vector<trace_ptr> pending_traces_;
    std::vector<std::uint64_t> failed_ids_;  // line ids whose write failed, while traces wait

    batch_consumer* dead_letter_ = nullptr;
    line_batch pending_dead_;  // failed lines on their way to the dead letter (strand only)

    net::strand<net::io_context::executor_type> strand_;
    std::string type_;
    std::optional<fd_writer> writer_;
    std::string path_;
    trace_store* traces_ = nullptr;
    error_log* errors_ = nullptr;
    std::chrono::milliseconds flush_interval_;
    net::steady_timer flush_timer_;
    bool finished_ = false;
    std::function<void()> on_done_;
    line_format format_;
};

}  // namespace sightline
