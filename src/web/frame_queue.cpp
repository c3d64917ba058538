#include "sightline/web/frame_queue.hpp"

#include <algorithm>

namespace sightline {

frame_queue::push_result frame_queue::push(frame_ptr frame, bool droppable, clock::time_point now) {
    if (frames_.size() < capacity_) {
        frames_.emplace_back(std::move(frame), droppable);
        return push_result::queued;
    }
    // Full: only a client that stopped taking frames is closed; one that reads slowly
    // but steadily loses stale frames instead.
    if (behind(now)) return close();
    auto stale = std::find_if(frames_.begin(), frames_.end(), [](const auto& f) { return f.second; });
    if (stale != frames_.end()) {
        frames_.erase(stale);
        ++dropped_;
        frames_.emplace_back(std::move(frame), droppable);
        return push_result::replaced;
    }
    if (droppable) {
        ++dropped_;
        return push_result::dropped;
    }
    if (frames_.size() >= hard_capacity()) return close();  // bounded whatever happens
    frames_.emplace_back(std::move(frame), droppable);
    return push_result::queued;
}

frame_queue::push_result frame_queue::close() {
    dropped_ += frames_.size() + 1;  // what waited, and the frame that found no room
    frames_.clear();
    return push_result::close;
}

frame_queue::frame_ptr frame_queue::take(clock::time_point now) {
    if (!writing_) progress_at_ = now;
    writing_ = true;
    auto f = std::move(frames_.front().first);
    frames_.pop_front();
    return f;
}

void frame_queue::written(clock::time_point now) {
    writing_ = false;
    progress_at_ = now;
}

}  // namespace sightline
