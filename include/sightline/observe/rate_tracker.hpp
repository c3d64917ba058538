#pragma once
#include <chrono>
#include <deque>
#include <map>
#include <string>

namespace sightline {

/// Turns monotonically growing counters into rates over the last tick and the last
/// minute. Fed once per tick by the observer, from one strand only.
class rate_tracker {
public:
    /// Rates of one counter, per second.
    struct rates {
        double last_tick = 0;
        double last_minute = 0;
    };

    /// Records `value` of counter `key` at `now` and returns its rates.
    rates update(const std::string& key, double value, std::chrono::steady_clock::time_point now);

private:
    struct sample {
        std::chrono::steady_clock::time_point at;
        double value;
    };
    std::map<std::string, std::deque<sample>> history_;
};

}  // namespace sightline
