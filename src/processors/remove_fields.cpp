// The `remove` processor: removes fields.
#include <boost/json/value_to.hpp>

#include "sightline/processors/registry.hpp"

namespace sightline {
namespace {

class remove_fields final : public processor {
public:
    explicit remove_fields(std::vector<key_id> keys) : keys_(std::move(keys)) {}
    void process(line_context& line) override {
        if (line.has_fields())
            for (auto k : keys_) line.remove_field(k);
        line.emit();
    }

private:
    std::vector<key_id> keys_;
};

}  // namespace

processor_descriptor remove_descriptor() {
    return {{"remove",
             "Removes fields (absent ones are ignored).",
             {{.name = "fields", .type = param_type::string_list, .doc = "Names of the fields to remove.", .required = true}}},
            [](const boost::json::object& p, build_context& ctx) -> std::unique_ptr<processor> {
                std::vector<key_id> keys;
                for (const auto& v : p.at("fields").as_array()) {
                    auto k = field_keys::intern(boost::json::value_to<std::string>(v));
                    if (k) keys.push_back(*k);
                }
                if (keys.empty()) {
                    ctx.found.add(path_join(ctx.path, "fields"), "names no field to remove");
                    return nullptr;
                }
                return std::make_unique<remove_fields>(std::move(keys));
            }};
}

}  // namespace sightline
