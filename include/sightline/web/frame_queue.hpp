#pragma once
#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>

namespace sightline {

/// What a pushed frame is: which may be dropped for a client that falls behind, and
/// how the drops are counted.
enum class frame_kind : std::uint8_t {
    stats,    ///< superseded by the next tick's: droppable
    trace,    ///< droppable; a client that lost some is told (a `gap` message)
    error,    ///< likewise
    control,  ///< hello, health, circuit, alert, pipeline and replies: never dropped
};
inline constexpr std::size_t frame_kind_count = 4;
std::string_view to_string(frame_kind k);

/// The outgoing frames of one WebSocket client and the rule that judges it slow
/// (Asio-free, so it is unit-tested with a clock the test controls).
///
/// A client is judged by progress, not by how full its queue is: it is slow when no
/// frame of it was written for `max_behind` while frames wait. So a client that reads,
/// however much it is sent, is never closed as slow; one that stops reading is, about
/// `max_behind` after its last frame went out. The queue is bounded in frames and in
/// bytes: while it is full a newer droppable frame (stats, trace, error) supersedes the
/// oldest droppable ones queued; frames that cannot be dropped (replies, health,
/// alerts) may exceed the soft bounds up to twice them, since the session stops reading
/// the client while full; past that the client is closed.
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

    static constexpr std::size_t default_max_bytes = 4 * 1024 * 1024;

    frame_queue(std::size_t capacity, clock::duration max_behind, std::size_t max_bytes = default_max_bytes)
        : capacity_(capacity), max_bytes_(max_bytes), max_behind_(max_behind) {}

    /// Queues `frame`, or says what to do instead.
    push_result push(frame_ptr frame, frame_kind kind, clock::time_point now);
    /// A droppable frame refused for want of room elsewhere (the total of every client's
    /// queues): dropped and counted, or `close` when the client has been behind for
    /// max_behind (the same rule as push).
    push_result refuse(frame_kind kind, clock::time_point now);
    /// Takes the oldest frame for writing (the queue must not be empty). While no write
    /// is outstanding the client is not behind: the clock of progress starts here.
    frame_ptr take(clock::time_point now);
    /// The write of the frame last taken completed: the client made progress.
    void written(clock::time_point now);

    bool empty() const { return frames_.empty(); }
    std::size_t size() const { return frames_.size(); }
    /// Bytes of the frames waiting (a frame shared with other clients counts for each).
    std::size_t bytes() const { return bytes_; }
    /// At or above the soft bounds: the session reads no more client messages.
    bool full() const { return frames_.size() >= capacity_ || bytes_ >= max_bytes_; }
    std::size_t hard_capacity() const { return 2 * capacity_; }
    std::size_t hard_max_bytes() const { return 2 * max_bytes_; }
    /// Frames lost to this client so far (dropped or replaced), in all and by kind.
    std::uint64_t dropped() const { return dropped_; }
    std::uint64_t dropped(frame_kind k) const { return dropped_by_kind_[static_cast<std::size_t>(k)]; }

private:
    push_result close(frame_kind kind);
    bool behind(clock::time_point now) const { return writing_ && now - progress_at_ > max_behind_; }
    bool fits(std::size_t bytes) const { return frames_.size() < capacity_ && bytes_ + bytes <= max_bytes_; }
    void count_drop(frame_kind k) {
        ++dropped_;
        ++dropped_by_kind_[static_cast<std::size_t>(k)];
    }

    std::size_t capacity_;
    std::size_t max_bytes_;
    clock::duration max_behind_;
    std::deque<std::pair<frame_ptr, frame_kind>> frames_;
    std::size_t bytes_ = 0;
    bool writing_ = false;
    clock::time_point progress_at_{};
    std::uint64_t dropped_ = 0;
    std::array<std::uint64_t, frame_kind_count> dropped_by_kind_{};
};

}  // namespace sightline
