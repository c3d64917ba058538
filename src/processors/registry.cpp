#include "sightline/processors/registry.hpp"

#include <algorithm>

namespace sightline {

const std::vector<processor_descriptor>& processor_types() {
    static const std::vector<processor_descriptor> types = {
        line_counter_descriptor(), uppercase_descriptor(), lowercase_descriptor(),
        filter_descriptor(),       tagger_descriptor(),    tag_router_descriptor(),
        replace_descriptor(),      sample_descriptor(),    fault_descriptor(),
    };
    return types;
}

const processor_descriptor* find_processor_type(std::string_view type) {
    const auto& types = processor_types();
    auto it = std::find_if(types.begin(), types.end(), [&](const auto& d) { return d.schema.type == type; });
    return it == types.end() ? nullptr : &*it;
}

std::string_view to_string(drop_reason r) {
    switch (r) {
    case drop_reason::filtered: return "filtered";
    case drop_reason::sampled: return "sampled";
    case drop_reason::no_route: return "no_route";
    case drop_reason::no_output: return "no_output";
    case drop_reason::backpressure: return "backpressure";
    }
    return "unknown";
}

}  // namespace sightline
