#include <array>
#include <boost/json/value_to.hpp>
#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

#include "sightline/processors/registry.hpp"

namespace sightline {

namespace {

constexpr std::size_t no_port = static_cast<std::size_t>(-1);

/// Sends each line to the output named for its tag (or, with `field`, for that field's
/// value), else to `default`, else drops it (counted as no_route). The tag -> port table
/// is a flat array indexed by tag id; field values are looked up among the route names.
class tag_router final : public processor {
public:
    tag_router(std::vector<std::size_t> port_by_tag, std::size_t default_port, key_id field,
               std::vector<std::pair<std::string, std::size_t>> port_by_value)
        : port_by_tag_(std::move(port_by_tag)),
          default_port_(default_port),
          field_(field),
          port_by_value_(std::move(port_by_value)) {}

    void process(line_context& line) override {
        std::size_t port = no_port;
        if (field_) {
            field_value v;
            if (line.field(field_, v)) {
                if (v.literal) {
                    // A parser's fixed value ("err", "local0"): the same address every
                    // time, so its route is remembered by address.
                    auto& hit = literal_ports_[(reinterpret_cast<std::uintptr_t>(v.text.data()) >> 2) % literal_ports_.size()];
                    if (hit.text != v.text.data() || hit.length != v.text.size()) {
                        hit = {v.text.data(), v.text.size(), port_for(v.text)};
                    }
                    port = hit.port;
                } else {
                    port = port_for(v.text_for_compare(scratch_));
                }
            }
        } else if (line.tag() < port_by_tag_.size()) {
            port = port_by_tag_[line.tag()];
        }
        if (port == no_port) port = default_port_;
        if (port == no_port)
            line.drop(drop_reason::no_route);
        else
            line.emit(port);
    }

private:
    std::size_t port_for(std::string_view text) const {
        for (const auto& [value, p] : port_by_value_)
            if (value.size() == text.size() && std::memcmp(value.data(), text.data(), text.size()) == 0) return p;
        return no_port;
    }

    struct literal_route {
        const char* text = nullptr;
        std::size_t length = 0;
        std::size_t port = no_port;
    };
    std::array<literal_route, 32> literal_ports_{};
    std::vector<std::size_t> port_by_tag_;
    std::size_t default_port_;
    key_id field_;
    std::vector<std::pair<std::string, std::size_t>> port_by_value_;
    std::string scratch_;
};

}  // namespace

processor_descriptor tag_router_descriptor() {
    return {{"tag_router",
             "Routes each line by its tag (or a field's value): routes {tag or value: id}, else default; a line with "
             "neither is dropped (no_route).",
             {{.name = "routes",
               .type = param_type::string_map,
               .default_value = boost::json::object(),
               .doc = "Tag to the id of the stage or sink that receives lines with that tag.",
               .is_edge = true},
              {.name = "default", .type = param_type::string, .doc = "Id that receives lines whose tag has no route.", .is_edge = true},
              {.name = "field", .type = param_type::string, .doc = "Route on this field's value (as text) instead of the tag."}}},
            [](const boost::json::object& p, build_context& ctx) -> std::unique_ptr<processor> {
                const auto& routes = p.at("routes").as_object();
                if (routes.empty() && !p.contains("default")) {
                    ctx.found.add(path_join(ctx.path, "routes"), "a tag_router needs at least one route or a default");
                    return nullptr;
                }
                key_id field = 0;
                if (const auto* f = p.if_contains("field")) {
                    auto k = field_keys::intern(boost::json::value_to<std::string>(*f));
                    if (!k) {
                        ctx.found.add(path_join(ctx.path, "field"), "must not be empty");
                        return nullptr;
                    }
                    field = *k;
                }
                std::vector<std::pair<tag_id, std::size_t>> pairs;
                std::vector<std::pair<std::string, std::size_t>> by_value;
                for (const auto& kv : routes) {
                    auto port = ctx.port_of("routes", kv.key());
                    if (!port) return nullptr;  // the graph already reported the bad edge
                    if (field)
                        by_value.emplace_back(std::string(kv.key()), *port);
                    else
                        pairs.emplace_back(ctx.tags.intern(kv.key()), *port);
                }
                std::size_t default_port = no_port;
                if (p.contains("default")) {
                    auto port = ctx.port_of("default", "");
                    if (!port) return nullptr;
                    default_port = *port;
                }
                std::vector<std::size_t> port_by_tag;
                for (auto [tag, port] : pairs) {
                    if (tag >= port_by_tag.size()) port_by_tag.resize(tag + 1u, no_port);
                    port_by_tag[tag] = port;
                }
                return std::make_unique<tag_router>(std::move(port_by_tag), default_port, field, std::move(by_value));
            }};
}

}  // namespace sightline
