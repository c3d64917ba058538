#pragma once
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sightline/sinks/fd_writer.hpp"
#include "sightline/sinks/sink.hpp"

namespace sightline {

/// A sink that writes to a local file descriptor: a file, standard output, nothing
/// (null), or the dead-letter file. A timer on the sink's strand flushes the buffer so a
/// line never waits longer than the flush interval. Lines are formatted into the buffer
/// on the strand; every system call (write, open for reopen) runs on a thread of the
/// sink's own, so a file that blocks (a FIFO nobody reads, a stalled network file system,
/// a full pipe on stdout) holds up this sink only, never the io threads.
class writer_sink : public sink {
public:
    /// `writer` empty means a null sink (count and discard).
    writer_sink(net::io_context& ioc, std::string id, std::string type, std::optional<fd_writer> writer,
                std::chrono::milliseconds flush_interval);
    ~writer_sink() override;

    /// Spawns the write loop and the flush timer; `on_done` runs after the final flush.
    void start(std::function<void()> on_done) override;
    sink_stats stats() const override;
    /// Reopens the file (after log rotation), on the sink's strand.
    void reopen() override;

private:
    net::awaitable<void> run();
    net::awaitable<void> flush_periodically();
    net::awaitable<void> reopen_now();
    /// Hands the buffer to the kernel on the I/O thread and counts what it wrote or
    /// failed (the I/O lock held).
    net::awaitable<void> flush();
    static net::awaitable<bool> flush_on_io(fd_writer* w);
    static net::awaitable<bool> reopen_on_io(fd_writer* w);
    /// The writer is used by one I/O at a time: run() waits for it, the flush timer only
    /// takes it when it is free (strand only).
    net::awaitable<void> lock_io();
    bool try_lock_io();
    void unlock_io();
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
    net::steady_timer io_idle_;  // never expires: unlock_io() cancels it to wake a waiter
    bool io_busy_ = false;
    bool finished_ = false;
    std::unique_ptr<net::thread_pool> io_;  // the writer's system calls (none for a null sink)
};

}  // namespace sightline
