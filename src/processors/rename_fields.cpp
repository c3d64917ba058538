// The `rename` processor: renames fields.
#include <boost/json/value_to.hpp>

#include "sightline/processors/registry.hpp"

namespace sightline {
namespace {

class rename_fields final : public processor {
public:
    explicit rename_fields(std::vector<std::pair<key_id, key_id>> pairs) : pairs_(std::move(pairs)) {}
    void process(line_context& line) override {
        if (line.has_fields())
            for (auto [from, to] : pairs_) line.rename_field(from, to);
        line.emit();
    }

private:
    std::vector<std::pair<key_id, key_id>> pairs_;
};

}  // namespace

processor_descriptor rename_descriptor() {
    return {{"rename",
             "Renames fields: fields {from: to}; a field `to` already there is replaced; absent ones are ignored.",
             {{.name = "fields", .type = param_type::string_map, .doc = "Old name to new name.", .required = true}}},
            [](const boost::json::object& p, build_context& ctx) -> std::unique_ptr<processor> {
                std::vector<std::pair<key_id, key_id>> pairs;
                for (const auto& kv : p.at("fields").as_object()) {
                    auto from = field_keys::intern(kv.key());
                    auto to = field_keys::intern(boost::json::value_to<std::string>(kv.value()));
                    if (!from || !to) {
                        ctx.found.add(path_join(path_join(ctx.path, "fields"), kv.key()), "needs two non-empty names");
                        return nullptr;
                    }
                    pairs.emplace_back(*from, *to);
                }
                if (pairs.empty()) {
                    ctx.found.add(path_join(ctx.path, "fields"), "names no field to rename");
                    return nullptr;
                }
                return std::make_unique<rename_fields>(std::move(pairs));
            }};
}

}  // namespace sightline
