#include "sightline/web/broadcaster.hpp"

#include <algorithm>

#include "sightline/web/websocket_session.hpp"

namespace sightline {

void broadcaster::add(const std::shared_ptr<websocket_session>& s) {
    std::lock_guard lock(mutex_);
    sessions_.push_back(s);
}

std::vector<std::shared_ptr<websocket_session>> broadcaster::live() const {
    std::vector<std::shared_ptr<websocket_session>> out;
    std::lock_guard lock(mutex_);
    std::erase_if(sessions_, [](const auto& w) { return w.expired(); });
    for (const auto& w : sessions_)
        if (auto s = w.lock()) out.push_back(std::move(s));
    return out;
}

void broadcaster::publish(const std::shared_ptr<const std::string>& frame, bool droppable) {
    for (auto& s : live()) s->send(frame, droppable);
}

void broadcaster::publish_traces(const std::shared_ptr<const std::vector<trace_ptr>>& traces,
                                 const std::shared_ptr<const std::string>& frame, std::uint64_t seq) {
    for (auto& s : live()) s->send_traces(traces, frame, seq);
}

std::size_t broadcaster::clients() const {
    std::lock_guard lock(mutex_);
    std::erase_if(sessions_, [](const auto& w) { return w.expired(); });
    return sessions_.size();
}

}  // namespace sightline
