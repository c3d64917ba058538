#include "sightline/app/config_diff.hpp"

#include <algorithm>
#include <boost/json/array.hpp>

namespace sightline {

namespace json = boost::json;

namespace {

json::array refs_json(const std::vector<component_ref>& refs) {
    json::array a;
    for (const auto& r : refs) a.push_back(json::object{{"kind", r.kind}, {"id", r.id}});
    return a;
}

json::object without_buffer(const json::object& params) {
    json::object o = params;
    o.erase("buffer");
    return o;
}

bool same_retry(const std::optional<retry_policy>& a, const std::optional<retry_policy>& b) {
    if (a.has_value() != b.has_value()) return false;
    return !a || (a->max_attempts == b->max_attempts && a->backoff_ms == b->backoff_ms);
}

bool same_circuit(const std::optional<circuit_policy>& a, const std::optional<circuit_policy>& b) {
    if (a.has_value() != b.has_value()) return false;
    return !a || (a->failure_threshold == b->failure_threshold && a->window_ms == b->window_ms &&
                  a->cooldown_ms == b->cooldown_ms);
}

void diff_list(const std::vector<component_config>& running, const std::vector<component_config>& next,
               config_changes& out) {
    for (const auto& n : next) {
        auto it = std::find_if(running.begin(), running.end(), [&](const auto& r) { return r.id == n.id; });
        component_ref ref{n.kind, n.id};
        if (it == running.end())
            out.added.push_back(ref);
        else if (same_component(*it, n))
            out.unchanged.push_back(ref);
        else
            out.changed.push_back(ref);
    }
    for (const auto& r : running)
        if (std::none_of(next.begin(), next.end(), [&](const auto& n) { return n.id == r.id; }))
            out.removed.push_back({r.kind, r.id});
}

}  // namespace

json::object config_changes::to_json() const {
    json::array restart;
    for (const auto& p : restart_required) restart.emplace_back(p);
    return {{"added", refs_json(added)},     {"removed", refs_json(removed)},
            {"changed", refs_json(changed)}, {"rewired", refs_json(rewired)},
            {"unchanged", unchanged.size()}, {"restart_required", std::move(restart)}};
}

bool same_component(const component_config& a, const component_config& b) {
    if (a.kind != b.kind || a.type != b.type || !same_retry(a.retry, b.retry) || !same_circuit(a.circuit, b.circuit))
        return false;
    return a.kind == "sink" ? without_buffer(a.params) == without_buffer(b.params) : a.params == b.params;
}

config_changes diff_configs(const pipeline_config& running, const pipeline_config& next) {
    config_changes out;
    diff_list(running.sources, next.sources, out);
    diff_list(running.processors, next.processors, out);
    diff_list(running.sinks, next.sinks, out);
    for (const auto& [key, value] : next.settings)
        if (const auto* was = running.settings.if_contains(key); !was || *was != value) out.restart_required.emplace_back(key);
    for (const auto& [key, value] : running.settings)
        if (!next.settings.contains(key)) out.restart_required.emplace_back(key);
    return out;
}

}  // namespace sightline
