// The `set` processor: adds or overwrites fields from templates.
#include <boost/json/value_to.hpp>

#include "sightline/core/event_template.hpp"
#include "sightline/processors/registry.hpp"

namespace sightline {
namespace {

/// Sets each configured field to its rendered template: `{name}` is a field (empty when
/// missing), `{line}` the text, `{tag}` the tag. A template that is one placeholder and
/// nothing else copies the field with its type ("{latency_ms}" stays an integer).
class set_fields final : public processor {
public:
    struct assignment {
        key_id key;
        event_template value;
    };
    set_fields(std::vector<assignment> a, const tag_table& tags) : assignments_(std::move(a)), tags_(tags) {}

    void process(line_context& line) override {
        for (const auto& a : assignments_) {
            const auto& pieces = a.value.pieces();
            if (pieces.size() == 2 && pieces[0].literal.empty() && pieces[1].literal.empty() && pieces[0].key) {
                field_value v;
                if (line.field(pieces[0].key, v)) {
                    line.set_field(a.key, v);
                    continue;
                }
            }
            out_.clear();
            a.value.render(out_, [&](const event_template::piece& p, std::string& o) {
                field_value v;
                if (p.name == "line")
                    o.append(line.text());
                else if (p.name == "tag")
                    o.append(tags_.name(line.tag()));
                else if (line.field(p.key, v))
                    v.append_text(o);
            });
            line.set_field(a.key, field_value::string(out_));  // copied by set_field
        }
        line.emit();
    }

private:
    std::vector<assignment> assignments_;
    const tag_table& tags_;
    std::string out_;
};

}  // namespace

processor_descriptor set_descriptor() {
    return {{"set",
             "Adds or overwrites fields: fields {name: template}, e.g. {\"origin\": \"{host}/{app}\"}; {line} is the "
             "text, {tag} the tag, a missing field renders empty.",
             {{.name = "fields",
               .type = param_type::string_map,
               .doc = "Field name to template.",
               .required = true}}},
            [](const boost::json::object& p, build_context& ctx) -> std::unique_ptr<processor> {
                std::vector<set_fields::assignment> list;
                for (const auto& kv : p.at("fields").as_object()) {
                    auto k = field_keys::intern(kv.key());
                    if (!k) {
                        ctx.found.add(path_join(path_join(ctx.path, "fields"), kv.key()), "is no valid field name");
                        return nullptr;
                    }
                    list.push_back({*k, event_template(boost::json::value_to<std::string>(kv.value()))});
                }
                if (list.empty()) {
                    ctx.found.add(path_join(ctx.path, "fields"), "names no field to set");
                    return nullptr;
                }
                return std::make_unique<set_fields>(std::move(list), ctx.tags);
            }};
}

}  // namespace sightline
