#pragma once
#include <memory>
#include <mutex>
#include <string>
#include <vector>

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
    /// Clients connected now.
    std::size_t clients() const;

private:
    mutable std::mutex mutex_;
    mutable std::vector<std::weak_ptr<websocket_session>> sessions_;
};

}  // namespace sightline
