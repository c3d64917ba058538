#include "sightline/observe/health.hpp"

#include <algorithm>
#include <string>

namespace sightline {

namespace {

/// What grew between two readings of a counter (a component new this tick counts from 0).
template <class T, class Get>
std::uint64_t growth(const T& now, const T* before, Get get) {
    auto a = get(now), b = before ? get(*before) : 0;
    return a > b ? a - b : 0;
}

std::string count(std::uint64_t n) { return std::to_string(n); }

}  // namespace

std::string_view to_string(health_status s) {
    switch (s) {
    case health_status::healthy: return "healthy";
    case health_status::degraded: return "degraded";
    case health_status::unhealthy: return "unhealthy";
    }
    return "unknown";
}

void health_report::judge(component_health c) {
    status = std::max(status, c.status);
    auto it = std::find_if(components.begin(), components.end(), [&](const auto& o) { return o.id == c.id; });
    if (it == components.end())
        components.push_back(std::move(c));
    else
        *it = std::move(c);
}

const component_health* health_report::find(std::string_view id) const {
    auto it = std::find_if(components.begin(), components.end(), [&](const auto& o) { return o.id == id; });
    return it == components.end() ? nullptr : &*it;
}

health_report evaluate_health(const pipeline_stats& now, const pipeline_stats& previous, const health_thresholds& limits) {
    health_report h;
    using hs = health_status;
    for (const auto& s : now.sinks) {
        if (s.retired) continue;  // removed by a reload, draining or gone
        auto failed = growth(s, previous.find_sink(s.id), [](const sink_stats& x) { return x.errors; });
        if (failed > 0 && !s.delivery)
            h.judge({s.id, "sink", hs::unhealthy, "write errors: " + count(failed) + " lines failed"});
        else if (s.delivery && !s.delivery->connected && s.delivery->in_flight_lines > 0 &&
                 s.delivery->disconnected_ms >= static_cast<double>(s.delivery->unhealthy_after_ms))
            h.judge({s.id, "sink", hs::unhealthy, "disconnected for " + count(static_cast<std::uint64_t>(s.delivery->disconnected_ms)) +
                                                      " ms: " + s.delivery->last_error});
        else if (failed > 0)  // a network sink: its server refused them, or retries ran out
            h.judge({s.id, "sink", hs::degraded, count(failed) + " lines to the dead letter: " + s.delivery->last_error});
        else if (s.buffer && s.buffer->max_bytes > 0 &&
                 (s.buffer->blocked ||
                  static_cast<double>(s.buffer->bytes) >= limits.buffer_fill * static_cast<double>(s.buffer->max_bytes)))
            h.judge({s.id, "sink", hs::degraded,
                     "disk buffer " + count(s.buffer->bytes * 100 / s.buffer->max_bytes) + "% full" +
                         (s.buffer->blocked ? " (blocking)" : "")});
        else if (s.delivery && s.delivery->retrying > 0)
            h.judge({s.id, "sink", hs::degraded, "retrying: " + s.delivery->last_error});
        else if (s.delivery && !s.delivery->connected && s.delivery->in_flight_lines > 0 && s.delivery->disconnected_ms > 0)
            h.judge({s.id, "sink", hs::degraded, "disconnected: " + s.delivery->last_error});
        else
            h.judge({s.id, "sink", hs::healthy, ""});
    }
    for (const auto& s : now.stages) {
        if (s.retired) continue;
        const auto* before = previous.find_stage(s.id);
        auto failed = growth(s, before, [](const stage_stats& x) { return x.errors; });
        auto lines = growth(s, before, [](const stage_stats& x) { return x.lines_in; });
        double ratio = static_cast<double>(failed) / std::max<double>(1.0, static_cast<double>(lines));
        if (s.circuit && s.circuit->state != "closed")
            h.judge({s.id, "stage", hs::degraded, "circuit " + s.circuit->state});
        else if (failed > 0 && ratio > limits.stage_error_ratio)
            h.judge({s.id, "stage", hs::degraded, count(failed) + " lines failed"});
        else if (s.queue_capacity > 0 &&
                 static_cast<double>(s.queued_batches) / static_cast<double>(s.queue_capacity) >= limits.queue_fill)
            h.judge({s.id, "stage", hs::degraded, "input hand-off full (backpressure)"});
        else
            h.judge({s.id, "stage", hs::healthy, ""});
    }
    for (const auto& s : now.sources) {
        if (s.retired) continue;
        if (s.listens && !s.running) {
            h.judge({s.id, "source", hs::unhealthy, "not listening"});
            continue;
        }
        const auto* before = previous.find_source(s.id);
        auto dropped = growth(s, before, [](const source_stats& x) { return x.dropped(); });
        auto kernel = growth(s, before, [](const source_stats& x) { return x.kernel_dropped_datagrams.value_or(0); });
        if (static_cast<double>(dropped + kernel) > limits.source_dropped_lines)
            h.judge({s.id, "source", hs::degraded,
                     "dropping: " + count(dropped) + " lines, " + count(kernel) + " datagrams (kernel)"});
        else if (s.paused)
            h.judge({s.id, "source", hs::degraded, "paused: the pipeline is full (backpressure)"});
        else
            h.judge({s.id, "source", hs::healthy, ""});
    }
    // A refused reload leaves the old pipeline running: fine, but not what was asked for.
    if (const auto& p = now.system.reload_problems; !p.empty())
        h.judge({"config", "config", hs::degraded,
                 "last reload refused (" + count(p.size()) + " problem" + (p.size() == 1 ? "" : "s") + "): " + p.front()});
    return h;
}

unsigned health_http_status(health_status s) { return s == health_status::unhealthy ? 503 : 200; }

}  // namespace sightline
