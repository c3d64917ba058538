#include "sightline/processors/registry.hpp"

#include <algorithm>

namespace sightline {

const std::vector<processor_descriptor>& processor_types() {
    static const std::vector<processor_descriptor> types = {
        line_counter_descriptor(), uppercase_descriptor(), lowercase_descriptor(),
        filter_descriptor(),       tagger_descriptor(),    tag_router_descriptor(),
        replace_descriptor(),      sample_descriptor(),    fault_descriptor(),
        parse_syslog_descriptor(), parse_json_descriptor(), parse_logfmt_descriptor(),
        parse_regex_descriptor(),  set_descriptor(),       remove_descriptor(),
        rename_descriptor(),
    };
    return types;
}

const processor_descriptor* find_processor_type(std::string_view type) {
    const auto& types = processor_types();
    auto it = std::find_if(types.begin(), types.end(), [&](const auto& d) { return d.schema.type == type; });
    return it == types.end() ? nullptr : &*it;
}

}  // namespace sightline
