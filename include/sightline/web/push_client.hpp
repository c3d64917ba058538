#pragma once
#include <memory>
#include <string>

#include "sightline/observe/trace_store.hpp"
#include "sightline/web/frame_queue.hpp"

namespace sightline {

/// What the broadcaster sees of a WebSocket client, whatever its transport (plain TCP
/// or TLS): a place to queue frames and its trace subscription.
class push_client {
public:
    virtual ~push_client() = default;
    /// Queues a frame (any thread).
    virtual void send(std::shared_ptr<const std::string> frame, frame_kind kind) = 0;
    /// The client's trace subscription (null: every trace), for the broadcaster to
    /// serialize once per distinct subscription (any thread).
    virtual std::shared_ptr<const trace_filter> filter() const = 0;
};

}  // namespace sightline
