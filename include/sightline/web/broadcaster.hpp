#pragma once
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

private:
    /// The sessions still open (copied under the lock; used outside it).
    std::vector<std::shared_ptr<websocket_session>> live() const;

    mutable std::mutex mutex_;
    mutable std::vector<std::weak_ptr<websocket_session>> sessions_;
};

}  // namespace sightline
