#include "sightline/app/report.hpp"

#include <boost/json/serialize.hpp>
#include <sstream>

#include "sightline/app/component_registry.hpp"

namespace sightline {

namespace json = boost::json;

namespace {

void print_param(std::ostream& out, const param_spec& p) {
    out << "    " << p.name << " (" << to_string(p.type);
    if (p.required)
        out << ", required";
    else if (!p.default_value.is_null())
        out << ", default " << json::serialize(p.default_value);
    out << ")";
    if (!p.doc.empty()) out << ": " << p.doc;
    out << "\n";
}

}  // namespace

namespace {
void print_schema(std::ostream& out, const component_schema& schema) {
    out << schema.type << ": " << schema.description << "\n";
    if (schema.params.empty()) out << "    (no parameters)\n";
    for (const auto& p : schema.params) print_param(out, p);
    out << "\n";
}
}  // namespace

std::string format_processor_list() {
    std::ostringstream out;
    for (const auto& d : processor_types()) print_schema(out, d.schema);
    return out.str();
}

std::string format_component_list() {
    std::ostringstream out;
    out << "Sources\n\n";
    for (const auto& d : source_types()) print_schema(out, d.schema);
    out << "Processors\n\n" << format_processor_list();
    out << "Sinks\n\n";
    for (const auto& d : sink_types()) print_schema(out, d.schema);
    return out.str();
}

std::string format_describe(const pipeline_config& cfg, const pipeline_graph& g) {
    std::ostringstream out;
    out << "Pipeline: " << cfg.sources.size() << " source(s), " << cfg.processors.size() << " stage(s), "
        << cfg.sinks.size() << " sink(s)" << (cfg.dead_letter_path ? " + dead letter " + *cfg.dead_letter_path : "")
        << "\n\n";
    for (const auto& n : g.nodes) {
        const auto* schema = find_component_schema(n.kind(), n.config->type);
        out << n.kind() << " " << n.id() << " [" << n.config->type << "]";
        if (schema) out << ": " << schema->description;
        out << "\n";
        if (schema) {
            for (const auto& p : schema->params) {
                auto it = n.config->params.find(p.name);
                out << "    " << p.name << " = " << (it == n.config->params.end() ? "(unset)" : json::serialize(it->value()));
                bool changed = n.config->given.contains(p.name);
                if (changed && !p.default_value.is_null() && it != n.config->params.end() && it->value() != p.default_value)
                    out << "  (default " << json::serialize(p.default_value) << ")";
                else if (!changed && !p.default_value.is_null())
                    out << "  (default)";
                out << "\n";
            }
        }
        for (const auto& port : n.ports)
            for (const auto& t : port.targets)
                out << "    -> " << t << (port.route().empty() ? "" : "  [route " + port.route() + "]") << "\n";
        out << "\n";
    }
    return out.str();
}

}  // namespace sightline
