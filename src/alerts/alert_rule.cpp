#include "sightline/alerts/alert_rule.hpp"

#include <algorithm>

namespace sightline {

std::string_view to_string(alert_subject s) {
    switch (s) {
    case alert_subject::stage: return "stage";
    case alert_subject::source: return "source";
    case alert_subject::sink: return "sink";
    case alert_subject::system: return "";
    }
    return "";
}

const std::vector<alert_expr_info>& alert_exprs() {
    using s = alert_subject;
    static const std::vector<alert_expr_info> list = {
        {"error_rate", {s::stage, s::source, s::sink}, "share of lines that failed during the last tick (0 to 1)"},
        {"drop_rate", {s::stage, s::source}, "share of lines dropped during the last tick (0 to 1); `reason` picks one"},
        {"lines_per_second", {s::stage, s::source, s::sink, s::system}, "lines in per second over the last tick"},
        {"latency_p99_us", {s::stage}, "99th percentile of per-line processing time, in µs (as in /stats)"},
        {"utilization", {s::stage}, "share of the last tick the stage was busy (0 to 1)"},
        {"queue_fill", {s::stage}, "how full the stage's input hand-off is (0 to 1)"},
        {"circuit_open", {s::stage}, "1 while the stage's circuit breaker is open or half-open, else 0"},
        {"paused_ratio", {s::source}, "share of the last tick the source was paused by backpressure (0 to 1)"},
        {"buffer_fill", {s::sink}, "how full the sink's disk buffer is (0 to 1; 0 without one)"},
        {"buffer_oldest_age_s", {s::sink}, "age of the oldest line in the sink's disk buffer, in seconds"},
        {"disconnected_s", {s::sink},
         "seconds a network sink has been unable to reach its server with lines to deliver (0 otherwise)"},
        {"rss_bytes", {s::system}, "resident memory of the process"},
        {"cpu_ratio", {s::system}, "CPU used over the last tick (1 = one core)"},
    };
    return list;
}

const alert_expr_info* find_alert_expr(std::string_view name) {
    const auto& list = alert_exprs();
    auto it = std::find_if(list.begin(), list.end(), [&](const auto& e) { return e.name == name; });
    return it == list.end() ? nullptr : &*it;
}

}  // namespace sightline
