#include "sightline/web/broadcaster.hpp"

#include <algorithm>

#include "sightline/web/websocket_session.hpp"

namespace sightline {

void broadcaster::add(const std::shared_ptr<websocket_session>& s) {
    std::lock_guard lock(mutex_);
    sessions_.push_back(s);
}

void broadcaster::publish(const std::shared_ptr<const std::string>& frame, bool droppable) {
    std::vector<std::shared_ptr<websocket_session>> live;
    {
        std::lock_guard lock(mutex_);
        std::erase_if(sessions_, [](const auto& w) { return w.expired(); });
        for (const auto& w : sessions_)
            if (auto s = w.lock()) live.push_back(std::move(s));
    }
    for (auto& s : live) s->send(frame, droppable);
}

std::size_t broadcaster::clients() const {
    std::lock_guard lock(mutex_);
    std::erase_if(sessions_, [](const auto& w) { return w.expired(); });
    return sessions_.size();
}

}  // namespace sightline
