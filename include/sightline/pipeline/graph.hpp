#pragma once
#include <optional>
#include <string>
#include <vector>

#include "sightline/pipeline/pipeline_config.hpp"
#include "sightline/core/problems.hpp"

namespace sightline {

/// One output of a node: where its lines go. Plain stages and sources have one port
/// ("next"); a router has one per route plus one for its default.
struct graph_port {
    std::string param;  // "next", "routes" or "default"
    std::string key;    // the route's tag for "routes", else empty
    std::vector<std::string> targets;
    /// Label shown on edges: the route tag, "default", or empty for plain next.
    std::string route() const { return param == "routes" ? key : param == "default" ? "default" : ""; }
};

/// A source, processor or sink with its resolved outputs.
struct graph_node {
    const component_config* config = nullptr;
    std::vector<graph_port> ports;
    /// Ids of the nodes that feed this one (each producer once).
    std::vector<std::string> inputs;
    const std::string& id() const { return config->id; }
    const std::string& kind() const { return config->kind; }
};

/// A directed edge, as /pipeline and --describe show it.
struct graph_edge {
    std::string from;
    std::string to;
    std::string route;
};

/// The resolved DAG: sources, then processors, then sinks, each in config order.
struct pipeline_graph {
    std::vector<graph_node> nodes;
    std::vector<graph_edge> edges;
    /// The node with `id`, or nullptr.
    const graph_node* find(const std::string& id) const;
    /// Index of the port (param, key) of `node`, or nullopt.
    static std::optional<std::size_t> port_index(const graph_node& node, std::string_view param, std::string_view key);
};

/// Resolves explicit and implicit edges (DESIGN.md §2) and checks them: unknown
/// targets, edges into sources, cycles and, when there are sources, nodes that no
/// source reaches. `cfg` must outlive the graph.
pipeline_graph build_graph(const pipeline_config& cfg, problems& found);

}  // namespace sightline
