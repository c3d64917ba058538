#include "sightline/web/broadcaster.hpp"

#include <algorithm>
#include <map>

#include "sightline/observe/push_frames.hpp"

namespace sightline {

void broadcaster::add(const std::shared_ptr<push_client>& s) {
    std::lock_guard lock(mutex_);
    sessions_.push_back(s);
}

std::vector<std::shared_ptr<push_client>> broadcaster::live() const {
    std::vector<std::shared_ptr<push_client>> out;
    std::lock_guard lock(mutex_);
    std::erase_if(sessions_, [](const auto& w) { return w.expired(); });
    for (const auto& w : sessions_)
        if (auto s = w.lock()) out.push_back(std::move(s));
    return out;
}

void broadcaster::publish(const std::shared_ptr<const std::string>& frame, frame_kind kind) {
    for (auto& s : live()) s->send(frame, kind);
}

void broadcaster::publish_traces(const std::shared_ptr<const std::vector<trace_ptr>>& traces,
                                 const std::shared_ptr<const std::string>& frame, std::uint64_t seq) {
    // One serialization per distinct subscription, shared by the clients that have it
    // (null: no trace of this tick matched it).
    std::map<std::vector<std::string>, std::shared_ptr<const std::string>> by_filter;
    for (auto& s : live()) {
        auto f = s->filter();
        if (!f) {
            s->send(frame, frame_kind::trace);
            continue;
        }
        std::vector<std::string> key{f->stage, f->status, f->outcome, f->text, f->field, f->value};
        auto [it, fresh] = by_filter.try_emplace(std::move(key));
        if (fresh) {
            auto own = trace_frame(seq, *traces, f.get());
            if (!own.empty()) it->second = std::make_shared<const std::string>(std::move(own));
        }
        if (it->second) s->send(it->second, frame_kind::trace);
    }
}

std::uint64_t broadcaster::frames_dropped() const {
    std::uint64_t n = 0;
    for (const auto& d : dropped_) n += d.load(std::memory_order_relaxed);
    return n;
}

std::uint64_t broadcaster::queued_bytes() const {
    auto n = queued_bytes_->load();
    return n > 0 ? static_cast<std::uint64_t>(n) : 0;
}

std::size_t broadcaster::clients() const {
    std::lock_guard lock(mutex_);
    std::erase_if(sessions_, [](const auto& w) { return w.expired(); });
    return sessions_.size();
}

}  // namespace sightline
