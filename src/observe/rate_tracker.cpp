#include "sightline/observe/rate_tracker.hpp"

namespace sightline {

rate_tracker::rates rate_tracker::update(const std::string& key, double value,
                                         std::chrono::steady_clock::time_point now) {
    auto& h = history_[key];
    rates r;
    if (!h.empty()) {
        double dt = std::chrono::duration<double>(now - h.back().at).count();
        if (dt > 0) r.last_tick = (value - h.back().value) / dt;
    }
    h.push_back({now, value});
    // Keep one sample at or before the minute boundary so the window spans a full minute.
    while (h.size() > 2 && now - h[1].at >= std::chrono::minutes(1)) h.pop_front();
    double span = std::chrono::duration<double>(now - h.front().at).count();
    if (span > 0) r.last_minute = (value - h.front().value) / span;
    return r;
}

}  // namespace sightline
