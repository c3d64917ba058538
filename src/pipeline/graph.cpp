#include "sightline/pipeline/graph.hpp"

#include <algorithm>
#include <boost/json/value_to.hpp>
#include <map>
#include <functional>
#include <set>

#include "sightline/processors/registry.hpp"

namespace sightline {

const graph_node* pipeline_graph::find(const std::string& id) const {
    auto it = std::find_if(nodes.begin(), nodes.end(), [&](const graph_node& n) { return n.id() == id; });
    return it == nodes.end() ? nullptr : &*it;
}

std::optional<std::size_t> pipeline_graph::port_index(const graph_node& node, std::string_view param,
                                                      std::string_view key) {
    for (std::size_t i = 0; i < node.ports.size(); ++i)
        if (node.ports[i].param == param && node.ports[i].key == key) return i;
    return std::nullopt;
}

namespace {

std::vector<std::string> all_sink_ids(const pipeline_config& cfg) {
    std::vector<std::string> ids;
    for (const auto& s : cfg.sinks) ids.push_back(s.id);
    return ids;
}

/// The ports of a processor: its edge params if it has any, else `next`.
std::vector<graph_port> processor_ports(const pipeline_config& cfg, std::size_t index) {
    const auto& c = cfg.processors[index];
    std::vector<graph_port> ports;
    if (const auto* d = find_processor_type(c.type)) {
        for (const auto& p : d->schema.params) {
            if (!p.is_edge) continue;
            auto it = c.params.find(p.name);
            if (it == c.params.end()) continue;
            // Values of the wrong shape were reported by the parser; they make no port.
            if (p.type == param_type::string_map && it->value().is_object()) {
                for (const auto& kv : it->value().get_object())
                    if (kv.value().is_string())
                        ports.push_back({p.name, std::string(kv.key()), {std::string(kv.value().get_string())}});
            } else if (p.type == param_type::string && it->value().is_string()) {
                ports.push_back({p.name, "", {std::string(it->value().get_string())}});
            }
        }
        bool has_edge_params = std::any_of(d->schema.params.begin(), d->schema.params.end(),
                                           [](const param_spec& p) { return p.is_edge; });
        if (has_edge_params) return ports;
    }
    graph_port next{"next", "", {}};
    if (c.next)
        next.targets = *c.next;
    else if (index + 1 < cfg.processors.size())
        next.targets = {cfg.processors[index + 1].id};
    else
        next.targets = all_sink_ids(cfg);
    ports.push_back(std::move(next));
    return ports;
}

std::string edge_path(const graph_node& n, const graph_port& p, std::size_t target_index) {
    const std::string& base = n.config->path;
    if (p.param == "routes") return base + ".routes." + p.key;
    if (p.param == "default") return base + ".default";
    if (n.config->next && n.config->next->size() > 1) return base + ".next[" + std::to_string(target_index) + "]";
    return base + ".next";
}

/// Reports each cycle once, naming its members in order.
void find_cycles(const pipeline_graph& g, problems& found) {
    std::map<std::string, int> state;  // 0 unvisited, 1 on stack, 2 done
    std::vector<std::string> stack;
    std::set<std::string> reported;
    std::function<void(const graph_node&)> visit = [&](const graph_node& n) {
        state[n.id()] = 1;
        stack.push_back(n.id());
        for (const auto& p : n.ports)
            for (const auto& t : p.targets) {
                const auto* next = g.find(t);
                if (!next) continue;
                if (state[t] == 1) {
                    auto from = std::find(stack.begin(), stack.end(), t);
                    std::string chain;
                    for (auto it = from; it != stack.end(); ++it) chain += *it + " -> ";
                    chain += t;
                    if (reported.insert(t).second)
                        found.add(next->config->path, "cycle: " + chain);
                } else if (state[t] == 0) {
                    visit(*next);
                }
            }
        stack.pop_back();
        state[n.id()] = 2;
    };
    for (const auto& n : g.nodes)
        if (state[n.id()] == 0) visit(n);
}

}  // namespace

pipeline_graph build_graph(const pipeline_config& cfg, problems& found) {
    pipeline_graph g;
    for (const auto& s : cfg.sources) {
        graph_node n{&s, {}, {}};
        graph_port next{"next", "", {}};
        if (s.next)
            next.targets = *s.next;
        else if (!cfg.processors.empty())
            next.targets = {cfg.processors.front().id};
        else
            next.targets = all_sink_ids(cfg);
        n.ports.push_back(std::move(next));
        g.nodes.push_back(std::move(n));
    }
    for (std::size_t i = 0; i < cfg.processors.size(); ++i)
        g.nodes.push_back({&cfg.processors[i], processor_ports(cfg, i), {}});
    for (const auto& s : cfg.sinks) g.nodes.push_back({&s, {}, {}});

    // Resolve every edge, then drop the bad ones so later checks see a clean graph.
    for (auto& n : g.nodes) {
        for (auto& p : n.ports) {
            std::vector<std::string> good;
            for (std::size_t i = 0; i < p.targets.size(); ++i) {
                const auto& t = p.targets[i];
                const auto* target = g.find(t);
                if (!target) {
                    found.add(edge_path(n, p, i), "unknown stage \"" + t + "\"");
                } else if (target->kind() == "source") {
                    found.add(edge_path(n, p, i), "\"" + t + "\" is a source; edges lead to processors and sinks");
                } else if (t == n.id()) {
                    found.add(edge_path(n, p, i), "cycle: " + t + " -> " + t);
                } else if (std::find(good.begin(), good.end(), t) == good.end()) {
                    good.push_back(t);
                }
            }
            p.targets = std::move(good);
        }
        if (n.kind() == "processor" && n.config->next && n.config->next->empty())
            found.add(n.config->path + ".next", "empty: lines would go nowhere");
    }
    for (const auto& n : g.nodes)
        for (const auto& p : n.ports)
            for (const auto& t : p.targets) {
                g.edges.push_back({n.id(), t, p.route()});
                auto& inputs = std::find_if(g.nodes.begin(), g.nodes.end(), [&](const graph_node& m) { return m.id() == t; })->inputs;
                if (std::find(inputs.begin(), inputs.end(), n.id()) == inputs.end()) inputs.push_back(n.id());
            }
    find_cycles(g, found);

    if (!cfg.sources.empty()) {
        std::set<std::string> reached;
        std::vector<const graph_node*> todo;
        for (const auto& n : g.nodes)
            if (n.kind() == "source") todo.push_back(&n);
        while (!todo.empty()) {
            const auto* n = todo.back();
            todo.pop_back();
            if (!reached.insert(n->id()).second) continue;
            for (const auto& p : n->ports)
                for (const auto& t : p.targets) todo.push_back(g.find(t));
        }
        for (const auto& n : g.nodes)
            if (!reached.count(n.id()))
                found.add(n.config->path, n.kind() == "sink" ? "sink \"" + n.id() + "\" is not reachable from any source"
                                                              : "stage \"" + n.id() + "\" is not reachable from any source");
    }
    return g;
}

}  // namespace sightline
