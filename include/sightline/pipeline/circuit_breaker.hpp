#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <string_view>

#include "sightline/core/config.hpp"

namespace sightline {

/// A stage's circuit breaker: closed while failures stay under `failure_threshold`
/// within `window_ms`; then open (batches are refused) for `cooldown_ms`; then
/// half-open: one probe batch runs, and closes the circuit if no line of it failed or
/// opens it again if any did. Pure logic with an injected clock; the stage calls it on
/// its strand, while state() and opens() may be read from anywhere.
class circuit_breaker {
public:
    using clock = std::chrono::steady_clock;
    enum class state : int { closed, open, half_open };

    explicit circuit_breaker(circuit_policy p) : policy_(p) {}

    /// Before a batch: true if it may run (closed, or the half-open probe).
    bool allow(clock::time_point now);
    /// After a batch that ran: how many of its lines failed.
    void record(clock::time_point now, std::uint64_t failures);

    state current() const { return static_cast<state>(state_.load(std::memory_order_relaxed)); }
    /// Times the circuit opened.
    std::uint64_t opens() const { return opens_.load(std::memory_order_relaxed); }
    /// Increments on every state change (observers compare it between ticks).
    std::uint64_t transitions() const { return transitions_.load(std::memory_order_relaxed); }

private:
    void set(state s);
    void open(clock::time_point now);

    circuit_policy policy_;
    std::atomic<int> state_{static_cast<int>(state::closed)};
    std::atomic<std::uint64_t> opens_{0};
    std::atomic<std::uint64_t> transitions_{0};
    clock::time_point open_until_{};
    std::deque<std::pair<clock::time_point, std::uint64_t>> window_;  // failures by time
    std::uint64_t in_window_ = 0;
};

/// "closed", "open" or "half_open".
std::string_view to_string(circuit_breaker::state s);

}  // namespace sightline
