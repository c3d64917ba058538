#include "sightline/core/log.hpp"
#include "sightline/core/time_format.hpp"
#include "sightline/core/utf8.hpp"

#include <boost/core/null_deleter.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <boost/log/attributes/attribute_value_impl.hpp>
#include <boost/log/core/core.hpp>
#include <boost/log/core/record.hpp>
#include <boost/log/expressions/attr.hpp>
#include <boost/log/expressions/keyword.hpp>
#include <boost/phoenix/operator/comparison.hpp>
#include <boost/log/sinks/sync_frontend.hpp>
#include <boost/log/sinks/text_ostream_backend.hpp>
#include <boost/log/sources/severity_channel_logger.hpp>
#include <boost/log/utility/exception_handler.hpp>
#include <boost/log/utility/formatting_ostream.hpp>
#include <boost/shared_ptr.hpp>
#include <boost/smart_ptr/make_shared_object.hpp>

#include <atomic>
#include <charconv>
#include <cstdio>
#include <iostream>
#include <utility>

namespace sightline::log {
namespace {

namespace bl = boost::log;

// Attribute names and types shared by write() (producer) and the formatters/filter
// (consumers); keywords make a type mismatch a compile error instead of a silent miss.
BOOST_LOG_ATTRIBUTE_KEYWORD(severity_attr, "Severity", level)
BOOST_LOG_ATTRIBUTE_KEYWORD(channel_attr, "Channel", std::string)
BOOST_LOG_ATTRIBUTE_KEYWORD(event_attr, "Event", std::string)
BOOST_LOG_ATTRIBUTE_KEYWORD(fields_attr, "Fields", boost::json::object)
BOOST_LOG_ATTRIBUTE_KEYWORD(timestamp_attr, "TimeStamp", std::chrono::system_clock::time_point)

using sink_t = bl::sinks::synchronous_sink<bl::sinks::text_ostream_backend>;

// Mirrors the core filter so enabled() costs one relaxed load instead of a filter
// evaluation; init() updates both under the state mutex.
constinit std::atomic<level> min_level_{level::info};

char ascii_lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    }
    return true;
}

// Bare strings keep text lines greppable; anything that would make the key=value
// split ambiguous (blanks, quotes, '=', control bytes) or invisible (empty) is quoted.
bool needs_quoting(std::string_view s) {
    if (s.empty()) return true;
    for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u == 0x7f || c == '"' || c == '\\' || c == '=') return true;
    }
    return false;
}

void append_text_value(std::string& out, boost::json::value const& v) {
    if (auto const* s = v.if_string()) {
        std::string_view sv = *s;
        if (needs_quoting(sv)) {
            out += boost::json::serialize(sv);
        } else {
            out += sv;
        }
    } else if (auto const* d = v.if_double()) {
        // Boost.JSON prints doubles in exponent form ("1.5E0"); shortest round-trip
        // decimal is what a human reading the text format expects.
        char buf[32];
        auto res = std::to_chars(buf, buf + sizeof(buf), *d);
        out.append(buf, res.ptr);
    } else {
        out += boost::json::serialize(v);
    }
}

void format_text(bl::record_view const& rec, bl::formatting_ostream& strm) {
    std::string line;
    line.reserve(128);
    if (auto ts = rec[timestamp_attr]) line += format_timestamp(*ts);
    line += ' ';
    auto sev = rec[severity_attr];
    std::string_view name = sev ? to_string(*sev) : std::string_view("?");
    line += name;
    // Pad to the longest level name so components line up in a terminal.
    line.append(name.size() < 5 ? 5 - name.size() : 0, ' ');
    line += ' ';
    if (auto ch = rec[channel_attr]) line += *ch;
    line += ' ';
    if (auto ev = rec[event_attr]) line += *ev;
    if (auto fields = rec[fields_attr]) {
        for (auto const& kv : fields.get()) {
            line += ' ';
            line += std::string_view(kv.key());
            line += '=';
            append_text_value(line, kv.value());
        }
    }
    strm << line;
}

/// `v` with every string made valid UTF-8 (a field may carry bytes of a line); JSON
/// log lines must be UTF-8 whatever the lines hold.
boost::json::value utf8_only(boost::json::value const& v) {
    if (auto const* s = v.if_string()) {
        if (is_valid_utf8(*s)) return v;
        return boost::json::value(valid_utf8(*s));
    }
    if (auto const* o = v.if_object()) {
        boost::json::object out;
        for (auto const& kv : *o) out.emplace(kv.key(), utf8_only(kv.value()));
        return out;
    }
    if (auto const* a = v.if_array()) {
        boost::json::array out;
        for (auto const& e : *a) out.push_back(utf8_only(e));
        return out;
    }
    return v;
}

void format_json(bl::record_view const& rec, bl::formatting_ostream& strm) {
    auto fields = rec[fields_attr];
    boost::json::object out;
    out.reserve(4 + (fields ? fields.get().size() : 0));
    auto ts = rec[timestamp_attr];
    out.emplace("timestamp", ts ? format_timestamp(*ts) : std::string());
    auto sev = rec[severity_attr];
    out.emplace("level", sev ? to_string(*sev) : std::string_view("?"));
    auto ch = rec[channel_attr];
    out.emplace("component", ch ? ch.get() : std::string());
    auto ev = rec[event_attr];
    out.emplace("event", ev ? ev.get() : std::string());
    if (fields) {
        for (auto const& kv : fields.get()) {
            if (out.contains(kv.key())) {
                std::string renamed = "field.";
                renamed += std::string_view(kv.key());
                out.emplace(renamed, utf8_only(kv.value()));
            } else {
                out.emplace(kv.key(), utf8_only(kv.value()));
            }
        }
    }
    strm << boost::json::serialize(out);
}

struct sink_state {
    std::mutex mutex;
    boost::shared_ptr<sink_t> sink;

    sink_state() { install(level::info, format::text, nullptr); }

    // Caller holds `mutex` (or is the constructor).
    void install(level min_level, format fmt, std::ostream* stream) {
        auto backend = boost::make_shared<bl::sinks::text_ostream_backend>();
        backend->add_stream(boost::shared_ptr<std::ostream>(
            stream != nullptr ? stream : &std::cerr, boost::null_deleter()));
        // Records are diagnostics; losing the tail on a crash is worse than the cost.
        backend->auto_flush(true);

        auto next = boost::make_shared<sink_t>(backend);
        if (fmt == format::json) {
            next->set_formatter(&format_json);
        } else {
            next->set_formatter(&format_text);
        }
        // Logging sits on error paths; a formatting failure (e.g. bad_alloc) must not
        // turn into a second error thrown at the caller.
        next->set_exception_handler(bl::make_exception_suppressor());

        auto core = bl::core::get();
        core->set_filter(severity_attr >= min_level);
        min_level_.store(min_level, std::memory_order_relaxed);
        // Add before removing: with no sink at all, Boost.Log routes records to its
        // built-in default sink, which would print them in a foreign shape.
        core->add_sink(next);
        if (sink) core->remove_sink(sink);
        sink = std::move(next);
    }
};

sink_state& state() {
    static sink_state s;
    return s;
}

// One logger per thread: the _mt logger takes an exclusive lock on every record to set
// the channel, which would serialize all writers; the core and sink are thread-safe.
bl::sources::severity_channel_logger<level, std::string>& thread_logger() {
    thread_local bl::sources::severity_channel_logger<level, std::string> logger;
    return logger;
}

}  // namespace

std::optional<level> parse_level(std::string_view s) {
    if (iequals(s, "trace")) return level::trace;
    if (iequals(s, "debug")) return level::debug;
    if (iequals(s, "info")) return level::info;
    if (iequals(s, "warn") || iequals(s, "warning")) return level::warn;
    if (iequals(s, "error")) return level::error;
    return std::nullopt;
}

std::optional<format> parse_format(std::string_view s) {
    if (iequals(s, "text")) return format::text;
    if (iequals(s, "json")) return format::json;
    return std::nullopt;
}

std::string_view to_string(level l) {
    switch (l) {
    case level::trace: return "trace";
    case level::debug: return "debug";
    case level::info: return "info";
    case level::warn: return "warn";
    case level::error: return "error";
    }
    return "unknown";
}

std::ostream& operator<<(std::ostream& os, level l) {
    return os << to_string(l);
}

std::string format_timestamp(std::chrono::system_clock::time_point t) { return format_rfc3339(t); }

void init(level min_level, format fmt, std::ostream* stream) {
    auto& s = state();
    std::lock_guard lock(s.mutex);
    s.install(min_level, fmt, stream);
}

bool enabled(level l) {
    return l >= min_level_.load(std::memory_order_relaxed);
}

void write(level l, std::string_view component, std::string_view event,
           boost::json::object fields) {
    if (!enabled(l)) return;
    state();  // make sure a sink exists even if init() was never called

    auto& logger = thread_logger();
    bl::record rec = logger.open_record(
        (bl::keywords::severity = l, bl::keywords::channel = std::string(component)));
    if (!rec) return;  // rejected by the core filter (e.g. init() raced with us)

    // Record-specific attributes: they are per call, so they must not live on the
    // (shared, long-lived) logger.
    auto& values = rec.attribute_values();
    values.insert("TimeStamp", bl::attributes::make_attribute_value(
                                   std::chrono::system_clock::now()));
    values.insert("Event", bl::attributes::make_attribute_value(std::string(event)));
    values.insert("Fields", bl::attributes::make_attribute_value(std::move(fields)));
    logger.push_record(std::move(rec));
}

rate_limiter::rate_limiter(std::chrono::steady_clock::duration period, unsigned burst)
    : period_(period), burst_(burst == 0 ? 1 : burst) {}

std::optional<std::uint64_t> rate_limiter::admit() {
    return admit(std::chrono::steady_clock::now());
}

std::optional<std::uint64_t> rate_limiter::admit(std::chrono::steady_clock::time_point now) {
    std::lock_guard lock(mutex_);
    // Fixed windows starting at the first record after a quiet period: simple, and a
    // burst of `burst` is always allowed right after an incident starts.
    if (!window_start_ || now - *window_start_ >= period_) {
        window_start_ = now;
        admitted_in_window_ = 0;
    }
    if (admitted_in_window_ < burst_) {
        ++admitted_in_window_;
        return std::exchange(suppressed_, 0);
    }
    ++suppressed_;
    return std::nullopt;
}

void write_limited(rate_limiter& limiter, level l, std::string_view component,
                   std::string_view event, boost::json::object fields) {
    if (!enabled(l)) return;
    auto passed = limiter.admit();
    if (!passed) return;
    if (*passed > 0) fields["suppressed"] = *passed;
    write(l, component, event, std::move(fields));
}

}  // namespace sightline::log
