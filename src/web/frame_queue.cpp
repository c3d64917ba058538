#include "sightline/web/frame_queue.hpp"

#include <algorithm>

namespace sightline {

std::string_view to_string(frame_kind k) {
    switch (k) {
    case frame_kind::stats: return "stats";
    case frame_kind::trace: return "trace";
    case frame_kind::error: return "error";
    case frame_kind::control: return "control";
    }
    return "control";
}

frame_queue::push_result frame_queue::push(frame_ptr frame, frame_kind kind, clock::time_point now) {
    const auto size = frame->size();
    if (fits(size)) {
        bytes_ += size;
        frames_.emplace_back(std::move(frame), kind);
        return push_result::queued;
    }
    // Full: only a client that stopped taking frames is closed; one that reads slowly
    // but steadily loses stale frames instead, oldest first, until the new one fits.
    if (behind(now)) return close(kind);
    if (kind != frame_kind::control && size > max_bytes_) {
        // It could never fit: nothing queued is given up for it.
        count_drop(kind);
        return push_result::dropped;
    }
    bool replaced = false;
    while (!fits(size)) {
        auto stale = std::find_if(frames_.begin(), frames_.end(), [](const auto& f) { return f.second != frame_kind::control; });
        if (stale == frames_.end()) break;
        count_drop(stale->second);
        bytes_ -= stale->first->size();
        frames_.erase(stale);
        replaced = true;
    }
    if (fits(size) || kind == frame_kind::control) {
        // What cannot be dropped goes in beyond the soft bounds, up to the hard ones.
        if (!fits(size) && (frames_.size() >= hard_capacity() || bytes_ + size > hard_max_bytes())) return close(kind);
        bytes_ += size;
        frames_.emplace_back(std::move(frame), kind);
        return replaced ? push_result::replaced : push_result::queued;
    }
    count_drop(kind);
    return push_result::dropped;
}

frame_queue::push_result frame_queue::refuse(frame_kind kind, clock::time_point now) {
    if (behind(now)) return close(kind);
    count_drop(kind);
    return push_result::dropped;
}

frame_queue::push_result frame_queue::close(frame_kind kind) {
    // What waited, and the frame that found no room.
    for (const auto& f : frames_) count_drop(f.second);
    count_drop(kind);
    frames_.clear();
    bytes_ = 0;
    return push_result::close;
}

frame_queue::frame_ptr frame_queue::take(clock::time_point now) {
    if (!writing_) progress_at_ = now;
    writing_ = true;
    auto f = std::move(frames_.front().first);
    frames_.pop_front();
    bytes_ -= f->size();
    return f;
}

void frame_queue::written(clock::time_point now) {
    writing_ = false;
    progress_at_ = now;
}

}  // namespace sightline
