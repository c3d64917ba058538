#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "sightline/core/trace_record.hpp"

namespace sightline {

class websocket_session;

/// Fans one serialized frame out to every WebSocket client. Holds weak pointers: a
/// closed session simply disappears. The list is copied under the lock and frames are
/// handed to sessions outside it, so a slow client never blocks the others.
class broadcaster {
public:
    /// Registers a session.
    void add(const std::shared_ptr<websocket_session>& s);
    /// Sends `frame` to every client; `droppable` frames (stats) may be skipped by a
    /// client that is behind, never blocking anyone.
    void publish(const std::shared_ptr<const std::string>& frame, bool droppable);
    /// Sends a tick's new traces: subscribed clients get the ones matching their filter
    /// (serialized per client, stamped with the snapshot's `seq`); the others share `frame`.
    void publish_traces(const std::shared_ptr<const std::vector<trace_ptr>>& traces,
                        const std::shared_ptr<const std::string>& frame, std::uint64_t seq);
    /// Clients connected now.
    std::size_t clients() const;
    /// Counted by sessions (any thread): frames a client behind lost, and clients closed
    /// for staying behind too long.
    void count_dropped_frames(std::uint64_t n) { frames_dropped_.fetch_add(n, std::memory_order_relaxed); }
    void count_slow_client_closed() { slow_clients_closed_.fetch_add(1, std::memory_order_relaxed); }
    std::uint64_t frames_dropped() const { return frames_dropped_.load(std::memory_order_relaxed); }
    std::uint64_t slow_clients_closed() const { return slow_clients_closed_.load(std::memory_order_relaxed); }

private:
    /// The sessions still open (copied under the lock; used outside it).
    std::vector<std::shared_ptr<websocket_session>> live() const;

    std::atomic<std::uint64_t> frames_dropped_{0};
    std::atomic<std::uint64_t> slow_clients_closed_{0};
    mutable std::mutex mutex_;
    mutable std::vector<std::weak_ptr<websocket_session>> sessions_;
};

}  // namespace sightline
