#pragma once
#include <boost/json/object.hpp>
#include <string>
#include <vector>

#include "sightline/core/config.hpp"
#include "sightline/pipeline/pipeline_config.hpp"

namespace sightline {

/// A source, processor or sink named in a reload's answer.
struct component_ref {
    std::string kind;
    std::string id;
    bool operator==(const component_ref&) const = default;
};

/// What a reload changes (README "Reload"). Components are matched by kind and id.
struct config_changes {
    std::vector<component_ref> added;
    std::vector<component_ref> removed;
    /// Built anew: type or parameters differ (the old one drains, then goes).
    std::vector<component_ref> changed;
    /// Kept running, with new edges (or edges to a replaced component).
    std::vector<component_ref> rewired;
    std::vector<component_ref> unchanged;
    /// Settings that differ but only take effect at the next start; the running values stay.
    std::vector<std::string> restart_required;

    bool any() const { return !added.empty() || !removed.empty() || !changed.empty() || !rewired.empty(); }
    boost::json::object to_json() const;
};

/// True when both are built the same way: kind, type, parameters, retry and circuit
/// (edges aside). A sink's `buffer` is left out: reload_plan judges it on its own.
bool same_component(const component_config& a, const component_config& b);

/// Compares the components of two configurations: added, removed, changed, unchanged
/// (`rewired` is the pipeline's to fill: it knows the edges), and the other settings.
config_changes diff_configs(const pipeline_config& running, const pipeline_config& next);

}  // namespace sightline
