#pragma once
#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "sightline/observe/latency_histogram.hpp"
#include "sightline/observe/stats.hpp"
#include "sightline/core/drop_reason.hpp"

namespace sightline {

/// A counter written by one strand and read by any thread: relaxed atomics are enough
/// because readers only need each value to be a value that was true at some moment.
class counter {
public:
    void add(std::uint64_t n = 1) { v_.fetch_add(n, std::memory_order_relaxed); }
    std::uint64_t get() const { return v_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::uint64_t> v_{0};
};

/// Live counters of one processor stage. Identity: lines_in = lines_out + dropped +
/// errors + in_flight, where in_flight counts lines taken in but not yet decided.
struct stage_metrics {
    counter lines_in;
    counter lines_out;
    counter errors;
    counter retries;
    std::array<counter, drop_reason_count> dropped;
    counter batches;
    counter busy_ns;  // time spent inside the processor
    latency_histogram latency;

    /// Counts failures by error type (failures are rare: a lock is fine here).
    void add_errors_by_type(const std::map<std::string, std::uint64_t>& by_type) {
        std::lock_guard lock(errors_mutex_);
        for (const auto& [type, n] : by_type) errors_by_type_[type] += n;
    }
    std::map<std::string, std::uint64_t> errors_by_type() const {
        std::lock_guard lock(errors_mutex_);
        return errors_by_type_;
    }
    /// Counts parse failures by reason (whatever the parser's on_error did with them).
    void add_parse_failures(const std::vector<std::pair<std::string_view, std::uint64_t>>& by_reason) {
        if (by_reason.empty()) return;
        std::lock_guard lock(errors_mutex_);
        for (const auto& [reason, n] : by_reason) parse_failures_[std::string(reason)] += n;
    }
    std::map<std::string, std::uint64_t> parse_failures() const {
        std::lock_guard lock(errors_mutex_);
        return parse_failures_;
    }

    std::uint64_t dropped_total() const {
        std::uint64_t n = 0;
        for (const auto& d : dropped) n += d.get();
        return n;
    }

private:
    mutable std::mutex errors_mutex_;
    std::map<std::string, std::uint64_t> errors_by_type_;
    std::map<std::string, std::uint64_t> parse_failures_;
};

/// Live counters of one source.
struct source_metrics {
    counter lines;
    counter bytes;
    counter truncated;
    counter errors;
    counter bad_frames;  // stream sources: frame headers that were no length
    counter connections_accepted;
    counter connections_closed;
    counter connections_refused;
};

/// Live counters of one sink (the dead-letter sink included).
struct sink_metrics {
    counter lines;
    counter bytes;
    counter errors;
    counter flushes;
};

/// Live delivery figures of a network sink (see delivery_stats). Counters are written
/// on the sink's strand; connection state and the last error may change on a client
/// library's thread.
struct delivery_metrics {
    counter accepted;
    counter in_flight_messages_added;
    counter in_flight_messages_done;
    counter delivered_messages;
    counter retries;
    counter retrying_added;
    counter retrying_done;
    latency_histogram latency;
    counter latency_sum_us;
    std::uint64_t unhealthy_after_ms = 0;

    /// Connection state; the time it went down is kept while it stays down.
    void set_connected(bool up);
    bool connected() const { return connected_.load(std::memory_order_relaxed); }
    void set_last_error(std::string error);

    void read(const sink_metrics& sink, delivery_stats& out) const;

private:
    std::atomic<bool> connected_{false};
    std::atomic<std::int64_t> down_since_us_{0};
    mutable std::mutex error_mutex_;
    std::string last_error_;
    std::int64_t last_error_us_ = 0;
};

/// Reads live counters into their statistics (id, type and what only the owner knows
/// are left to the caller). Stage counters are read so that the identity
/// lines_in >= out + dropped + errors holds in the result.
void read_counters(const stage_metrics& m, stage_stats& out);
void read_counters(const source_metrics& m, source_stats& out);
void read_counters(const sink_metrics& m, sink_stats& out);

}  // namespace sightline
