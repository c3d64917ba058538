#pragma once
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "sightline/core/param_schema.hpp"
#include "sightline/sinks/delivery_retry.hpp"
#include "sightline/sinks/sink.hpp"

namespace sightline {

/// Lines [first, first + count) of a batch that a message holds until it is delivered.
struct message_span {
    std::shared_ptr<const line_batch> batch;
    std::uint32_t first = 0;
    std::uint32_t count = 0;
};

/// One unit a network sink delivers: the encoded lines, one after another, and the
/// lines themselves (for the dead letter and traces).
struct outgoing_message {
    /// Per sink from 1; with the sink's id, a message id for deduplication.
    std::uint64_t sequence = 0;
    /// What its lines share (a NATS subject); empty for sinks that do not group lines.
    std::string key;
    std::string payload;
    /// End of each line's encoding in payload, line after line.
    std::vector<std::uint32_t> ends;
    std::vector<message_span> spans;
    /// Traced lines among them, by index in the message.
    std::vector<std::pair<std::uint32_t, trace_ptr>> traces;
    /// When its first line was taken in (delivery latency is measured from there).
    std::chrono::steady_clock::time_point opened;
    unsigned failures = 0;
    /// A sink that delivers a message in parts (splitting a refused batch) keeps its
    /// progress here between attempts: the line ranges [first, last) still to send,
    /// in the order they go (last first), and the lines refused for good so far.
    std::vector<std::pair<std::uint32_t, std::uint32_t>> remaining;
    std::vector<std::pair<std::uint32_t, std::string>> refused;
    bool started = false;

    std::size_t line_count() const { return ends.size(); }
    /// The encoding of lines [first, last) (a slice of payload).
    std::string_view payload_of(std::size_t first, std::size_t last) const;
    /// The batch and index line `i` of the message came from.
    std::pair<const line_batch*, std::size_t> line(std::size_t i) const;
};

/// What one delivery attempt of a message came to.
struct delivery_result {
    enum class outcome {
        delivered,  // the server took it (lines in `refused` excepted)
        retry,      // failed for a reason that may pass (down, timeout, overloaded)
        rejected,   // refused for good: every line to the dead letter
    };
    outcome what = outcome::delivered;
    std::string error;
    /// With `delivered`: lines (index in the message) the server refused for good, and why.
    std::vector<std::pair<std::uint32_t, std::string>> refused;

    static delivery_result delivered() { return {}; }
    static delivery_result retry(std::string why) { return {outcome::retry, std::move(why), {}}; }
    static delivery_result rejected(std::string why) { return {outcome::rejected, std::move(why), {}}; }
};

/// How a network sink batches, how many messages it keeps unacknowledged, and how it retries.
struct network_sink_options {
    std::size_t max_in_flight = 1;
    std::size_t batch_max_lines = 1000;
    std::size_t batch_max_bytes = 1024 * 1024;
    std::chrono::milliseconds batch_timeout{1000};
    delivery_retry retry;
    std::chrono::milliseconds unhealthy_after{30'000};

    /// Parameters every network sink takes, with these options as defaults. A sink
    /// whose protocol allows a single message in flight leaves `with_window` off.
    std::vector<param_spec> params(bool with_window) const;
    /// From checked params (`max_in_flight` stays at this default when absent).
    network_sink_options from_params(const boost::json::object& params) const;
};

/// The delivery machinery every network sink shares (README "Delivery"). Lines taken in
/// are encoded into messages of at most batch_max_lines lines and batch_max_bytes
/// bytes (or what batch_timeout let gather); up to max_in_flight messages are being
/// delivered at once; each is retried as `retry` says. A line counts as delivered only
/// when its server acknowledged it; lines refused for good or past the last retry go
/// to the dead letter. While the window is full the sink takes nothing in, so the
/// pipeline, and TCP senders, wait behind it with bounded memory. All of it runs on
/// the sink's strand; the protocol (connect, send, acknowledgement) is the subclass's.
class network_sink : public sink {
public:
    network_sink(net::io_context& ioc, std::string id, std::string type, network_sink_options options);

    void start(std::function<void()> on_done) override;
    sink_stats stats() const override;

    delivery_metrics delivery;

protected:
    /// Appends line `i` of `batch`, encoded for the wire, to `payload` (default: the format, then a newline).
    virtual void encode_line(const line_batch& batch, std::size_t i, std::string& payload);
    /// Sets `key` to what line `i` shares with the lines of its message (a NATS subject);
    /// lines with different keys go in different messages. Default: no keys.
    virtual void key_of(const line_batch& batch, std::size_t i, std::string& key);
    /// One attempt to deliver `m` (connecting first when needed). Runs on the strand;
    /// several run at once when max_in_flight > 1.
    virtual net::awaitable<delivery_result> deliver(outgoing_message& m) = 0;
    /// Called once on the strand before the first delivery (e.g. to start connecting).
    virtual void on_start() {}
    /// Called once on the strand after the last delivery (e.g. to close connections).
    virtual void on_stop() {}
    /// The error type of lines this sink gives up on (dead letter, /errors).
    virtual std::string_view failure_type() const { return "sink_delivery"; }

    const network_sink_options options_;

private:
    net::awaitable<void> run();
    net::awaitable<void> seal_on_timeout();
    net::awaitable<void> deliver_with_retry(std::shared_ptr<outgoing_message> m);
    /// Encodes the lines of `batch` into open messages (sealing full ones into ready_).
    void take(std::shared_ptr<const line_batch> batch);
    /// The open message for `key` (opened, sealing the oldest past the limit, if needed).
    outgoing_message& open_for(const std::string& key);
    void seal(std::size_t open_index);
    void seal_all();
    /// Starts deliveries while the window has room.
    void pump();
    /// Waits until a delivery finished (or the timer's wait was cut short).
    net::awaitable<void> wait_for_room();
    void account_delivered(outgoing_message& m, const std::vector<std::pair<std::uint32_t, std::string>>& refused);
    void dead_letter_all(outgoing_message& m, const std::string& error);
    void note_failure(const std::string& error, bool for_good);

    std::vector<outgoing_message> open_;  // being filled, one per key (strand only)
    std::string key_;                     // scratch for key_of
    std::deque<std::shared_ptr<outgoing_message>> ready_;
    std::size_t in_flight_ = 0;
    std::uint64_t sequence_ = 0;
    net::steady_timer room_;
    net::steady_timer batch_timer_;
    bool finished_ = false;
};

}  // namespace sightline
