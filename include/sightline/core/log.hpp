#pragma once

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

/// Structured logging for Sightline on top of Boost.Log.
///
/// Every record is (timestamp, level, component, event, fields). Until init() is
/// called, records at info and above go to stderr in text format, so nothing
/// logged during start-up is lost.
namespace sightline::log {

/// Severity of a log record, lowest first.
enum class level { trace, debug, info, warn, error };

/// Output shape: human text or one JSON object per line.
enum class format { text, json };

/// Parses "trace|debug|info|warn|warning|error" (case-insensitive); nullopt otherwise.
std::optional<level> parse_level(std::string_view s);

/// Parses "text|json" (case-insensitive, like parse_level); nullopt otherwise.
std::optional<format> parse_format(std::string_view s);

/// Name of a level as printed ("trace", "debug", "info", "warn", "error").
std::string_view to_string(level l);

/// Prints to_string(l), so levels read well in diagnostics and test failures.
std::ostream& operator<<(std::ostream& os, level l);

/// Formats `t` as RFC 3339 UTC with microseconds, e.g. "2026-11-22T14:39:51.123456Z".
std::string format_timestamp(std::chrono::system_clock::time_point t);

/// Installs the Boost.Log sink writing to stderr (or to `stream` when given, for tests).
/// Idempotent: a second call replaces the sink. `stream` must outlive its use, i.e.
/// stay valid until the next init() call.
void init(level min_level, format fmt, std::ostream* stream = nullptr);

/// Emits one record: component is the channel (e.g. "ingest.tcp"), event a snake_case
/// name (e.g. "pipeline_started"), fields extra key/values.
///
/// In JSON output a field named like a reserved key ("timestamp", "level",
/// "component", "event") is emitted as "field.<name>" so it cannot mask the header.
void write(level l, std::string_view component, std::string_view event,
           boost::json::object fields = {});

/// True when a record at `l` would be written (cheap; check it before building
/// expensive fields).
bool enabled(level l);

/// Logs at most `burst` records per `period` for one key and counts the rest; the next
/// record that passes carries "suppressed": N. Thread-safe.
///
/// Use one instance per key (e.g. one per error site or per peer).
class rate_limiter {
public:
    /// A `burst` of 0 is treated as 1: a limiter that never passes could never report
    /// what it suppressed.
    rate_limiter(std::chrono::steady_clock::duration period, unsigned burst);

    /// Returns nullopt when the record must be suppressed, else the number suppressed
    /// since the last pass.
    std::optional<std::uint64_t> admit();

    /// Same as admit() at an explicit time, so callers and tests control the clock.
    std::optional<std::uint64_t> admit(std::chrono::steady_clock::time_point now);

private:
    std::chrono::steady_clock::duration period_;
    unsigned burst_;
    std::mutex mutex_;
    std::optional<std::chrono::steady_clock::time_point> window_start_;
    unsigned admitted_in_window_ = 0;
    std::uint64_t suppressed_ = 0;
};

/// write() through `limiter`: drops the record while the limiter suppresses it, and
/// adds "suppressed": N to `fields` when N > 0 records were dropped before it.
/// Records below the minimum level neither consume nor count against the limiter.
void write_limited(rate_limiter& limiter, level l, std::string_view component,
                   std::string_view event, boost::json::object fields = {});

}  // namespace sightline::log
