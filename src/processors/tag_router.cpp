#include <boost/json/value_to.hpp>
#include <optional>
#include <vector>

#include "sightline/processors/registry.hpp"

namespace sightline {

namespace {

constexpr std::size_t no_port = static_cast<std::size_t>(-1);

/// Sends each line to the output named for its tag, else to `default`, else drops it
/// (counted as no_route). The tag -> port table is a flat array indexed by tag id.
class tag_router final : public processor {
public:
    tag_router(std::vector<std::size_t> port_by_tag, std::size_t default_port)
        : port_by_tag_(std::move(port_by_tag)), default_port_(default_port) {}

    void process(line_context& line) override {
        std::size_t port = line.tag() < port_by_tag_.size() ? port_by_tag_[line.tag()] : no_port;
        if (port == no_port) port = default_port_;
        if (port == no_port)
            line.drop(drop_reason::no_route);
        else
            line.emit(port);
    }

private:
    std::vector<std::size_t> port_by_tag_;
    std::size_t default_port_;
};

}  // namespace

processor_descriptor tag_router_descriptor() {
    return {{"tag_router",
             "Routes each line by its tag: routes {tag: id}, else default; a line with neither is dropped (no_route).",
             {{.name = "routes",
               .type = param_type::string_map,
               .default_value = boost::json::object(),
               .doc = "Tag to the id of the stage or sink that receives lines with that tag.",
               .is_edge = true},
              {.name = "default", .type = param_type::string, .doc = "Id that receives lines whose tag has no route.", .is_edge = true}}},
            [](const boost::json::object& p, build_context& ctx) -> std::unique_ptr<processor> {
                const auto& routes = p.at("routes").as_object();
                if (routes.empty() && !p.contains("default")) {
                    ctx.found.add(path_join(ctx.path, "routes"), "a tag_router needs at least one route or a default");
                    return nullptr;
                }
                std::vector<std::pair<tag_id, std::size_t>> pairs;
                for (const auto& kv : routes) {
                    auto port = ctx.port_of("routes", kv.key());
                    if (!port) return nullptr;  // the graph already reported the bad edge
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
                return std::make_unique<tag_router>(std::move(port_by_tag), default_port);
            }};
}

}  // namespace sightline
