#pragma once
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sightline/core/net.hpp"
#include "sightline/observe/error_log.hpp"
#include "sightline/observe/metrics.hpp"
#include "sightline/observe/trace_store.hpp"
#include "sightline/pipeline/batch_consumer.hpp"
#include "sightline/sinks/line_format.hpp"

namespace sightline {

/// The end of the pipeline. What every sink type shares: its strand, its counters, where
/// its traces and errors are published, the dead letter for lines it cannot deliver, and
/// its output format. Writers to local files (writer_sink) and network sinks
/// (network_sink) derive from it.
class sink : public batch_consumer, public std::enable_shared_from_this<sink> {
public:
    sink(net::io_context& ioc, std::string id, std::string type);
    ~sink() override = default;

    const std::string& type() const { return type_; }
    /// Spawns the sink's loops; `on_done` runs once every line it took is delivered or
    /// handed to the dead letter, after the end of the stream.
    virtual void start(std::function<void()> on_done) = 0;
    /// This sink's statistics now (the base fills id, type and the counters).
    virtual sink_stats stats() const;
    /// Reopens what the sink writes to (SIGHUP, after log rotation); most sinks have nothing to reopen.
    virtual void reopen() {}

    /// Where traces of lines that end here, and delivery errors, are published.
    void set_observers(trace_store* traces, error_log* errors) {
        traces_ = traces;
        errors_ = errors;
    }
    /// Where lines go that this sink cannot deliver (README "Sinks that fail"); counts
    /// this sink as one of its producers. Without one, such lines are only counted as errors.
    void set_dead_letter(batch_consumer* dead_letter) {
        dead_letter_ = dead_letter;
        dead_letter_->add_producer();
    }
    /// How lines are encoded (before start(); raw by default).
    void set_format(line_format f) { format_ = std::move(f); }

    sink_metrics metrics;

protected:
    /// Queues line `i` of `batch` for the dead letter with `error` (strand only).
    void dead_letter_line(const line_batch& batch, std::size_t i, std::string_view error_type, std::string_view error);
    /// Hands the queued dead-letter lines over, waiting for room (strand only).
    net::awaitable<void> send_dead_letters();
    /// Hands them over only if there is room now (for loops that must not wait).
    void try_send_dead_letters();
    /// Ends the dead letter's stream from this producer and runs on_done_ (strand only).
    net::awaitable<void> finish();
    /// shared_from_this() as the derived type, to keep it alive in spawned loops.
    template <class Derived>
    std::shared_ptr<Derived> self_as() {
        return std::static_pointer_cast<Derived>(shared_from_this());
    }
    /// Records an error in /errors (rate-limited in the log by the caller).
    void report_error(std::string message, std::string_view type);

    net::strand<net::io_context::executor_type> strand_;
    trace_store* traces_ = nullptr;
    error_log* errors_ = nullptr;
    batch_consumer* dead_letter_ = nullptr;
    line_format format_;
    std::function<void()> on_done_;

private:
    std::string type_;
    line_batch pending_dead_;  // failed lines on their way to the dead letter (strand only)
};

}  // namespace sightline
