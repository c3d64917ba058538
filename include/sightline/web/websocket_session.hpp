#pragma once
#include <atomic>
#include <functional>
#include <mutex>
#include <memory>
#include <optional>
#include <string>

#include "sightline/core/net.hpp"
#include "sightline/core/tls_stream.hpp"
#include "sightline/observe/trace_store.hpp"
#include "sightline/web/frame_queue.hpp"
#include "sightline/web/push_client.hpp"
#include "sightline/web/router.hpp"

namespace sightline {

class broadcaster;

/// One /ws client. The server pushes; the client's messages are read (and answered
/// when they are pings) only so that control frames and closes are seen. One reader
/// and one writer on the stream's strand; the outgoing queue is bounded (frame_queue):
/// a client that falls behind loses its oldest droppable frames (counted by kind, and
/// told in a `gap` message), never anyone else's, and one that takes no frame for
/// `max_behind` is closed. Frames are shared between clients, never copied per client.
/// `Stream` is beast::tcp_stream (ws://) or tls_stream (wss://), both instantiated in
/// the .cpp.
template <class Stream>
class websocket_session final : public push_client, public std::enable_shared_from_this<websocket_session<Stream>> {
public:
    static constexpr std::size_t max_queued_frames = 64;
    /// Bytes a client's queue may hold (twice that for frames that are never dropped).
    static constexpr std::size_t max_queued_bytes = frame_queue::default_max_bytes;
    /// Past the total of all clients (broadcaster::max_total_bytes), a client with this
    /// much waiting counts as behind and takes no more droppable frames.
    static constexpr std::size_t behind_bytes = 1024 * 1024;
    static constexpr std::size_t max_message_bytes = 64 * 1024;

    /// `make_hello` builds the first message once the session has joined the
    /// broadcaster (so no push falls between the two); `slot` is held for the session's
    /// life (it counts against the server's session cap).
    websocket_session(Stream stream, std::function<std::string()> make_hello,
                      std::chrono::milliseconds max_behind, std::shared_ptr<void> slot = {});
    ~websocket_session() override;
    /// Completes the upgrade for `req` and runs until the client goes away.
    void start(http_request req, broadcaster& hub);
    void send(std::shared_ptr<const std::string> frame, frame_kind kind) override;
    std::shared_ptr<const trace_filter> filter() const override;

private:
    net::awaitable<void> run(http_request req, broadcaster* hub);
    net::awaitable<void> write_loop();
    void enqueue(std::shared_ptr<const std::string> frame, frame_kind kind);
    /// Tells the client which trace and error frames it lost (once there is room again).
    void report_gap();
    /// Brings the hub's total of queued bytes up to date with this queue.
    void sync_bytes();
    /// Acts on one message from the client.
    void on_message(std::string_view text);

    websocket::stream<Stream> ws_;
    std::function<std::string()> make_hello_;
    frame_queue queue_;  // only on the strand
    net::steady_timer wake_;
    /// Woken when the queue has room again: the read loop waits on it while the queue is
    /// full, so a client that sends faster than it takes replies is held back by TCP.
    net::steady_timer room_;
    bool closed_ = false;
    std::shared_ptr<void> slot_;
    broadcaster* hub_ = nullptr;  // for the drop counters; set once the upgrade is done
    /// Every client's queued bytes together (the hub's; shared so it outlives either).
    std::shared_ptr<std::atomic<std::int64_t>> total_bytes_;
    std::int64_t counted_bytes_ = 0;  // this queue's part of *total_bytes_ (strand only)
    /// Trace and error frames lost since the last gap message (strand only).
    std::uint64_t gap_traces_ = 0;
    std::uint64_t gap_errors_ = 0;
    /// The client's trace subscription (written on the strand, read by the broadcaster).
    mutable std::mutex filter_mutex_;
    std::shared_ptr<const trace_filter> filter_;
};

}  // namespace sightline
