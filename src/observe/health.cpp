#include "sightline/observe/health.hpp"

#include <algorithm>
#include <string>

namespace sightline {

namespace json = boost::json;

namespace {

double field(const json::object& group, std::string_view id, std::string_view name) {
    auto it = group.find(id);
    if (it == group.end() || !it->value().is_object()) return 0;
    auto f = it->value().as_object().find(name);
    return f == it->value().as_object().end() || !f->value().is_number() ? 0 : f->value().to_number<double>();
}

const json::object& group_of(const json::object& stats, std::string_view name) {
    static const json::object empty;
    auto it = stats.find(name);
    return it == stats.end() || !it->value().is_object() ? empty : it->value().as_object();
}

int rank(std::string_view status) { return status == "unhealthy" ? 2 : status == "degraded" ? 1 : 0; }

}  // namespace

json::object evaluate_health(const json::object& stats, const json::object& previous, const health_thresholds& limits) {
    json::object components;
    std::string overall = "healthy";
    auto judge = [&](std::string_view kind, std::string_view id, std::string status, std::string reason) {
        if (rank(status) > rank(overall)) overall = status;
        components[id] = {{"kind", kind}, {"status", status}, {"reason", reason}};
    };
    const auto& sinks = group_of(stats, "sinks");
    const auto& prev_sinks = group_of(previous, "sinks");
    for (const auto& kv : sinks) {
        double new_errors = field(sinks, kv.key(), "errors") - field(prev_sinks, kv.key(), "errors");
        if (new_errors > 0)
            judge("sink", kv.key(), "unhealthy", "write errors: " + std::to_string(static_cast<long long>(new_errors)) + " lines failed");
        else
            judge("sink", kv.key(), "healthy", "");
    }
    const auto& stages = group_of(stats, "processors");
    const auto& prev_stages = group_of(previous, "processors");
    for (const auto& kv : stages) {
        double new_errors = field(stages, kv.key(), "errors") - field(prev_stages, kv.key(), "errors");
        double new_lines = field(stages, kv.key(), "lines_in") - field(prev_stages, kv.key(), "lines_in");
        double queued = field(stages, kv.key(), "queued_batches");
        double capacity = field(stages, kv.key(), "queue_capacity");
        double ratio = new_errors / std::max(1.0, new_lines);
        std::string circuit;
        if (auto st = stages.find(kv.key()); st != stages.end() && st->value().is_object())
            if (auto c = st->value().as_object().find("circuit"); c != st->value().as_object().end() && c->value().is_object())
                if (auto state = c->value().as_object().find("state"); state != c->value().as_object().end())
                    circuit = state->value().as_string();
        if (!circuit.empty() && circuit != "closed")
            judge("stage", kv.key(), "degraded", "circuit " + circuit);
        else if (new_errors > 0 && ratio > limits.stage_error_ratio)
            judge("stage", kv.key(), "degraded", std::to_string(static_cast<long long>(new_errors)) + " lines failed");
        else if (capacity > 0 && queued / capacity >= limits.queue_fill)
            judge("stage", kv.key(), "degraded", "input hand-off full (backpressure)");
        else
            judge("stage", kv.key(), "healthy", "");
    }
    const auto& sources = group_of(stats, "sources");
    const auto& prev_sources = group_of(previous, "sources");
    for (const auto& kv : sources) {
        double dropped = field(sources, kv.key(), "dropped") - field(prev_sources, kv.key(), "dropped");
        double kernel = field(sources, kv.key(), "kernel_dropped_datagrams") -
                        field(prev_sources, kv.key(), "kernel_dropped_datagrams");
        const auto& src = sources.at(kv.key()).as_object();
        auto type = src.find("type");
        bool network = type != src.end() && type->value().is_string() &&
                       (type->value().as_string() == "tcp" || type->value().as_string() == "udp");
        auto running = src.find("running");
        if (network && running != src.end() && running->value().is_bool() && !running->value().as_bool()) {
            judge("source", kv.key(), "unhealthy", "not listening");
            continue;
        }
        bool paused = false;
        if (auto it = sources.find(kv.key()); it != sources.end() && it->value().is_object())
            if (auto p = it->value().as_object().find("paused"); p != it->value().as_object().end() && p->value().is_bool())
                paused = p->value().as_bool();
        if (paused && dropped + kernel <= limits.source_dropped_lines)
            judge("source", kv.key(), "degraded", "paused: the pipeline is full (backpressure)");
        else if (dropped + kernel > limits.source_dropped_lines)
            judge("source", kv.key(), "degraded",
                  "dropping lines: " + std::to_string(static_cast<long long>(dropped)) + " (backpressure), " +
                      std::to_string(static_cast<long long>(kernel)) + " datagrams (kernel)");
        else
            judge("source", kv.key(), "healthy", "");
    }
    return {{"status", overall}, {"components", std::move(components)}};
}

unsigned health_http_status(const json::object& health) {
    auto it = health.find("status");
    return it != health.end() && it->value().is_string() && it->value().as_string() == "unhealthy" ? 503 : 200;
}

}  // namespace sightline
