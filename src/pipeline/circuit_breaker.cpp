#include "sightline/pipeline/circuit_breaker.hpp"

namespace sightline {

std::string_view to_string(circuit_breaker::state s) {
    switch (s) {
    case circuit_breaker::state::closed: return "closed";
    case circuit_breaker::state::open: return "open";
    case circuit_breaker::state::half_open: return "half_open";
    }
    return "unknown";
}

void circuit_breaker::set(state s) {
    if (current() == s) return;
    state_.store(static_cast<int>(s), std::memory_order_relaxed);
    transitions_.fetch_add(1, std::memory_order_relaxed);
}

void circuit_breaker::open(clock::time_point now) {
    open_until_ = now + std::chrono::milliseconds(policy_.cooldown_ms);
    window_.clear();
    in_window_ = 0;
    opens_.fetch_add(1, std::memory_order_relaxed);
    set(state::open);
}

bool circuit_breaker::allow(clock::time_point now) {
    switch (current()) {
    case state::closed: return true;
    case state::half_open: return true;  // the probe's result decides in record()
    case state::open:
        if (now < open_until_) return false;
        set(state::half_open);
        return true;
    }
    return true;
}

void circuit_breaker::record(clock::time_point now, std::uint64_t failures) {
    if (current() == state::half_open) {
        if (failures > 0)
            open(now);
        else
            set(state::closed);
        return;
    }
    if (failures > 0) {
        window_.emplace_back(now, failures);
        in_window_ += failures;
    }
    auto horizon = now - std::chrono::milliseconds(policy_.window_ms);
    while (!window_.empty() && window_.front().first < horizon) {
        in_window_ -= window_.front().second;
        window_.pop_front();
    }
    if (in_window_ >= static_cast<std::uint64_t>(policy_.failure_threshold)) open(now);
}

}  // namespace sightline
