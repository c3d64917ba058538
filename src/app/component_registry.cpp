#include "sightline/app/component_registry.hpp"

#include <algorithm>

#include "sightline/sinks/buffered_input.hpp"

namespace sightline {

// One line per type, defined in the type's own file (processors: processors/registry.cpp).
source_descriptor tcp_source_descriptor();
source_descriptor udp_source_descriptor();
source_descriptor file_source_descriptor();
source_descriptor nats_source_descriptor();
source_descriptor dead_letter_source_descriptor();
sink_descriptor file_sink_descriptor();
sink_descriptor stdout_sink_descriptor();
sink_descriptor null_sink_descriptor();
sink_descriptor tcp_sink_descriptor();
sink_descriptor http_sink_descriptor();
sink_descriptor nats_sink_descriptor();

const std::vector<source_descriptor>& source_types() {
    static const std::vector<source_descriptor> types = {tcp_source_descriptor(), udp_source_descriptor(),
                                                         file_source_descriptor(), nats_source_descriptor(),
                                                         dead_letter_source_descriptor()};
    return types;
}

namespace {
/// Every sink type takes the output-format parameters (line_format) and a buffer
/// (buffer_config), written once.
sink_descriptor with_format(sink_descriptor d) {
    for (auto& p : line_format::params()) d.schema.params.push_back(std::move(p));
    d.schema.params.push_back(buffer_config::param());
    auto own = std::move(d.check);
    d.check = [own](const boost::json::object& params, const std::string& path, problems& found) {
        if (own) own(params, path, found);
        line_format::check(params, path, found);
        buffer_config::check(params, path, found);
    };
    return d;
}
}  // namespace

const std::vector<sink_descriptor>& sink_types() {
    static const std::vector<sink_descriptor> types = {with_format(file_sink_descriptor()),
                                                       with_format(stdout_sink_descriptor()),
                                                       with_format(null_sink_descriptor()),
                                                       with_format(tcp_sink_descriptor()),
                                                       with_format(http_sink_descriptor()),
                                                       with_format(nats_sink_descriptor())};
    return types;
}

namespace {
template <class List>
auto find_type(const List& list, std::string_view type) -> decltype(&list.front()) {
    auto it = std::find_if(list.begin(), list.end(), [&](const auto& d) { return d.schema.type == type; });
    return it == list.end() ? nullptr : &*it;
}

template <class List>
std::string names_of(const List& list) {
    std::string s;
    for (const auto& d : list) s += (s.empty() ? "" : ", ") + d.schema.type;
    return s;
}
}  // namespace

const source_descriptor* find_source_type(std::string_view type) { return find_type(source_types(), type); }
const sink_descriptor* find_sink_type(std::string_view type) { return find_type(sink_types(), type); }

const component_schema* find_component_schema(std::string_view kind, std::string_view type) {
    if (kind == "processor") {
        const auto* d = find_processor_type(type);
        return d ? &d->schema : nullptr;
    }
    if (kind == "source") {
        const auto* d = find_source_type(type);
        return d ? &d->schema : nullptr;
    }
    const auto* d = find_sink_type(type);
    return d ? &d->schema : nullptr;
}

std::string component_type_names(std::string_view kind) {
    if (kind == "processor") return names_of(processor_types());
    if (kind == "source") return names_of(source_types());
    return names_of(sink_types());
}

void check_component(const component_config& c, problems& found) {
    if (c.kind == "source") {
        if (const auto* d = find_source_type(c.type); d && d->check) d->check(c.params, c.path, found);
    } else if (c.kind == "sink") {
        if (const auto* d = find_sink_type(c.type); d && d->check) d->check(c.params, c.path, found);
    }
}

}  // namespace sightline
