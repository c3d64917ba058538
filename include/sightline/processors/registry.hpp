#pragma once
#include <boost/json/object.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sightline/core/param_schema.hpp"
#include "sightline/core/problems.hpp"
#include "sightline/core/tag_table.hpp"
#include "sightline/processors/processor.hpp"

namespace sightline {

/// What a processor factory may use while it builds: the tag table, where its output
/// ports are, and where to report parameter problems.
struct build_context {
    tag_table& tags;
    /// Port index of an edge parameter entry: (`routes`, "error") or (`default`, "").
    std::function<std::optional<std::size_t>(std::string_view param, std::string_view key)> port_of;
    /// JSON path of the processor, for problem messages.
    std::string path;
    problems& found;
};

/// A processor type: its self-description and how to make one from effective params.
struct processor_descriptor {
    component_schema schema;
    /// Returns nullptr after reporting to ctx.found when the params cannot work.
    std::function<std::unique_ptr<processor>(const boost::json::object& params, build_context& ctx)> create;
};

/// Every processor type, in the order --list-processors prints them.
const std::vector<processor_descriptor>& processor_types();
/// The type named `type`, or nullptr.
const processor_descriptor* find_processor_type(std::string_view type);

// One per processor file; the registry lists them explicitly (no static-init tricks).
processor_descriptor line_counter_descriptor();
processor_descriptor uppercase_descriptor();
processor_descriptor lowercase_descriptor();
processor_descriptor filter_descriptor();
processor_descriptor tagger_descriptor();
processor_descriptor tag_router_descriptor();
processor_descriptor replace_descriptor();
processor_descriptor sample_descriptor();
processor_descriptor fault_descriptor();
processor_descriptor parse_syslog_descriptor();
processor_descriptor parse_json_descriptor();
processor_descriptor parse_logfmt_descriptor();
processor_descriptor parse_regex_descriptor();
processor_descriptor set_descriptor();
processor_descriptor remove_descriptor();
processor_descriptor rename_descriptor();

}  // namespace sightline
