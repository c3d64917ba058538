#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "sightline/core/net.hpp"
#include "sightline/observe/trace_store.hpp"
#include "sightline/web/frame_queue.hpp"
#include "sightline/web/router.hpp"

namespace sightline {

class broadcaster;

/// One /ws client. The server pushes; the client's messages are read (and answered
/// when they are pings) only so that control frames and closes are seen. One reader
/// and one writer on the stream's strand; the outgoing queue is bounded (frame_queue):
/// a client that falls behind loses its oldest droppable frames (counted), never anyone
/// else's, and one that takes no frame for `max_behind` is closed.
class websocket_session : public std::enable_shared_from_this<websocket_session> {
public:
    static constexpr std::size_t max_queued_frames = 64;
    static constexpr std::size_t max_message_bytes = 64 * 1024;

    /// `make_hello` builds the first message once the session has joined the
    /// broadcaster (so no push falls between the two); `slot` is held for the session's
    /// life (it counts against the server's session cap).
    websocket_session(beast::tcp_stream stream, std::function<std::string()> make_hello,
                      std::chrono::milliseconds max_behind, std::shared_ptr<void> slot = {});
    /// Completes the upgrade for `req` and runs until the client goes away.
    void start(http_request req, broadcaster& hub);
    /// Queues a frame (any thread).
    void send(std::shared_ptr<const std::string> frame, bool droppable);
    /// Queues a tick's traces (snapshot `seq`): the shared frame, or this client's filtered one.
    void send_traces(std::shared_ptr<const std::vector<trace_ptr>> traces, std::shared_ptr<const std::string> frame,
                     std::uint64_t seq);

private:
    net::awaitable<void> run(http_request req, broadcaster* hub);
    net::awaitable<void> write_loop();
    void enqueue(std::shared_ptr<const std::string> frame, bool droppable);
    /// Acts on one message from the client.
    void on_message(std::string_view text);

    websocket::stream<beast::tcp_stream> ws_;
    std::function<std::string()> make_hello_;
    frame_queue queue_;  // only on the strand
    net::steady_timer wake_;
    /// Woken when the queue has room again: the read loop waits on it while the queue is
    /// full, so a client that sends faster than it takes replies is held back by TCP.
    net::steady_timer room_;
    bool closed_ = false;
    std::shared_ptr<void> slot_;
    broadcaster* hub_ = nullptr;  // for the drop counters; set once the upgrade is done
    /// The client's trace subscription (only on the strand).
    std::optional<trace_filter> filter_;
};

}  // namespace sightline
