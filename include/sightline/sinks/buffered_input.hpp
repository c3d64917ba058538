#pragma once
#include <boost/json/object.hpp>

#include <atomic>
#include <chrono>
#include <optional>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sightline/core/net.hpp"
#include "sightline/core/param_schema.hpp"
#include "sightline/core/problems.hpp"
#include "sightline/observe/stats.hpp"
#include "sightline/pipeline/batch_consumer.hpp"
#include "sightline/pipeline/output_ports.hpp"
#include "sightline/sinks/disk_buffer.hpp"

namespace sightline {

/// A sink's `buffer` parameter: {"type": "memory" | "disk", "max_bytes", "path",
/// "when_full": "block" | "drop_newest", "sync": "none" | "batch" | "interval_ms",
/// "interval_ms"}. Memory is the bounded hand-off every sink has (the default).
struct buffer_config {
    bool disk = false;
    std::uint64_t max_bytes = 256ull * 1024 * 1024;
    std::string path;  // the folder; empty: sightline-data/buffer/<sink id>
    bool drop_newest = false;
    buffer_sync sync = buffer_sync::none;
    std::chrono::milliseconds interval{1000};

    static param_spec param();
    static void check(const boost::json::object& params, const std::string& path, problems& found);
    static buffer_config from_params(const boost::json::object& params, const std::string& sink_id);
    bool operator==(const buffer_config&) const = default;
};

/// A sink's disk buffer in the graph (README "Buffers"). It takes the sink's place as
/// the consumer its producers send to: each batch is appended to the disk buffer
/// (waiting for room, or dropping it as `buffer_full`, as `when_full` says), and the
/// sink is fed from the buffer in order. Every batch it hands over holds a receipt
/// that acknowledges its record once the last holder lets go: when the sink delivered
/// its lines (acknowledged by the server, or written and flushed) or sent them to the
/// dead letter. So a crash loses nothing the buffer accepted, and what a previous run
/// left is delivered first. File I/O runs on a thread of its own, never on the io
/// threads.
class buffered_input : public batch_consumer, public std::enable_shared_from_this<buffered_input> {
public:
    /// Opens the buffer (std::runtime_error naming its folder when it cannot).
    buffered_input(net::io_context& ioc, std::string sink_id, buffer_config cfg, const tag_table* tags);
    ~buffered_input() override;

    /// Spawns the loops that take batches in and feed the sink.
    void start();
    /// The buffer's figures now (in the sink's statistics).
    buffer_stats stats() const;
    /// Wires the sink it feeds (before start()).
    void connect(batch_consumer* sink) { outputs_.connect(0, sink); }
    /// Feeds `sink` from now on (a reload replaced the sink, the buffer stays).
    void retarget(batch_consumer* sink) { outputs_.rewire({{sink}}); }
    /// The sink it feeds now.
    batch_consumer* target() const {
        auto t = outputs_.targets();
        return t.empty() ? nullptr : t.front();
    }
    const buffer_config& config() const { return cfg_; }
    /// True once its input ended and everything was handed to the sink.
    bool finished() const { return finished_.load(); }

private:
    net::awaitable<void> take_in();
    net::awaitable<void> feed();
    net::awaitable<void> sync_periodically();
    /// What an append on the I/O thread came to.
    struct appended {
        int result = 0;  // 1 appended, 0 no room, -1 the disk refused it
        disk_buffer::ticket where;
    };
    static net::awaitable<appended> append_on_io(std::shared_ptr<disk_buffer> b, std::shared_ptr<const line_batch> batch);
    static net::awaitable<std::optional<std::pair<line_batch, disk_buffer::ticket>>> read_on_io(
        std::shared_ptr<disk_buffer> b);
    static net::awaitable<void> sync_on_io(std::shared_ptr<disk_buffer> b);
    void wake_feeder();
    net::awaitable<void> send_to_sink(line_batch batch);

    net::strand<net::io_context::executor_type> strand_;
    net::thread_pool io_{1};
    output_ports outputs_{1};
    buffer_config cfg_;
    std::shared_ptr<disk_buffer> buffer_;
    net::steady_timer more_;  // the feeder waits on it for records (strand only)
    net::steady_timer room_;  // take_in waits on it for acknowledgements
    // Traces of lines in the buffer, by record, until the feeder hands the record over
    // (not kept on disk: a restart delivers its lines untraced). Strand only.
    std::map<std::pair<std::uint64_t, std::uint64_t>, std::vector<traced_line>> traces_;
    bool input_ended_ = false;
    bool feeder_waiting_ = false;
    std::atomic<std::uint64_t> accepted_{0};
    std::atomic<std::uint64_t> dropped_{0};
    std::atomic<std::uint64_t> write_errors_{0};
    std::atomic<std::uint64_t> fed_{0};
    std::atomic<bool> blocked_{false};
    std::atomic<bool> finished_{false};
};

}  // namespace sightline
