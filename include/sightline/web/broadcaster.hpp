#pragma once
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "sightline/core/trace_record.hpp"
#include "sightline/web/frame_queue.hpp"
#include "sightline/web/push_client.hpp"

namespace sightline {

/// Fans one serialized frame out to every WebSocket client. Holds weak pointers: a
/// closed session simply disappears. The list is copied under the lock and frames are
/// handed to sessions outside it, so a slow client never blocks the others. Every frame
/// is serialized once and shared: clients with the same trace subscription share theirs.
/// Memory is bounded per client (frame_queue: 64 frames, 4 MiB) and for all together
/// (max_total_bytes of queued frames: past it, droppable frames are dropped).
class broadcaster {
public:
    static constexpr std::size_t max_total_bytes = 64 * 1024 * 1024;

    /// Registers a session.
    void add(const std::shared_ptr<push_client>& s);
    /// Sends `frame` to every client; droppable kinds (stats, trace, error) may be
    /// skipped by a client that is behind, never blocking anyone.
    void publish(const std::shared_ptr<const std::string>& frame, frame_kind kind);
    /// Sends a tick's new traces: subscribed clients get the ones matching their filter
    /// (serialized once per distinct filter, stamped with the snapshot's `seq`); the
    /// others share `frame`.
    void publish_traces(const std::shared_ptr<const std::vector<trace_ptr>>& traces,
                        const std::shared_ptr<const std::string>& frame, std::uint64_t seq);
    /// Clients connected now.
    std::size_t clients() const;
    /// Counted by sessions (any thread): frames a client behind lost, by kind, and
    /// clients closed for staying behind too long.
    void count_dropped_frames(frame_kind k, std::uint64_t n) {
        if (n) dropped_[static_cast<std::size_t>(k)].fetch_add(n, std::memory_order_relaxed);
    }
    void count_slow_client_closed() { slow_clients_closed_.fetch_add(1, std::memory_order_relaxed); }
    std::uint64_t frames_dropped() const;
    std::uint64_t frames_dropped(frame_kind k) const {
        return dropped_[static_cast<std::size_t>(k)].load(std::memory_order_relaxed);
    }
    std::uint64_t slow_clients_closed() const { return slow_clients_closed_.load(std::memory_order_relaxed); }
    /// Bytes queued for every client together (a shared frame counts once per client).
    std::uint64_t queued_bytes() const;
    /// The shared counter sessions keep up to date.
    std::shared_ptr<std::atomic<std::int64_t>> queued_bytes_counter() const { return queued_bytes_; }

private:
    /// The sessions still open (copied under the lock; used outside it).
    std::vector<std::shared_ptr<push_client>> live() const;

    std::array<std::atomic<std::uint64_t>, frame_kind_count> dropped_{};
    std::shared_ptr<std::atomic<std::int64_t>> queued_bytes_ = std::make_shared<std::atomic<std::int64_t>>(0);
    std::atomic<std::uint64_t> slow_clients_closed_{0};
    mutable std::mutex mutex_;
    mutable std::vector<std::weak_ptr<push_client>> sessions_;
};

}  // namespace sightline
