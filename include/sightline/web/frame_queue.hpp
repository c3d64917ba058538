#pragma once
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>

namespace sightline {

/// The outgoing frames of one WebSocket client and the rule that judges it slow
/// (Asio-free, so it is unit-tested with a clock the test controls).
///
/// A client is judged by progress, not by how full its queue is: it is slow when no
/// frame of it was written for `max_behind` while frames wait. So a client that reads,
/// however much it is sent, is never closed as slow; one that stops reading is, about
/// `max_behind` after its last frame went out. While the queue is full a newer
/// droppable frame (stats, trace, error) supersedes the oldest droppable one queued;
/// replies that cannot be dropped (pongs, health, alerts) may exceed the soft capacity
/// up to `hard_capacity()`, since the session stops reading the client while full.
class frame_queue {
public:
    using clock = std::chrono::steady_clock;
    using frame_ptr = std::shared_ptr<const std::string>;

    enum class push_result {
        queued,    ///< the frame waits in the queue
        replaced,  ///< queued, and the oldest droppable frame was dropped for it
        dropped,   ///< the frame itself was dropped (droppable, nothing to replace)
        close      ///< the client is slow: close it (the queue is emptied; its frames and this one count as dropped)
    };

    frame_queue(std::size_t capacity, clock::duration max_behind) : capacity_(capacity), max_behind_(max_behind) {}

    /// Queues `frame`, or says what to do instead.
    push_result push(frame_ptr frame, bool droppable, clock::time_point now);
    /// Takes the oldest frame for writing (the queue must not be empty). While no write
    /// is outstanding the client is not behind: the clock of progress starts here.
    frame_ptr take(clock::time_point now);
    /// The write of the frame last taken completed: the client made progress.
    void written(clock::time_point now);

    bool empty() const { return frames_.empty(); }
    std::size_t size() const { return frames_.size(); }
    /// At or above the soft capacity: the session reads no more client messages.
    bool full() const { return frames_.size() >= capacity_; }
    std::size_t hard_capacity() const { return 2 * capacity_; }
    /// Frames lost to this client so far (dropped or replaced).
    std::uint64_t dropped() const { return dropped_; }

private:
    push_result close();
    bool behind(clock::time_point now) const { return writing_ && now - progress_at_ > max_behind_; }

    std::size_t capacity_;
    clock::duration max_behind_;
    std::deque<std::pair<frame_ptr, bool>> frames_;  // frame, droppable
    bool writing_ = false;
    clock::time_point progress_at_{};
    std::uint64_t dropped_ = 0;
};

}  // namespace sightline
