#include <boost/json/value_to.hpp>
#include <charconv>
#include <vector>

#include "sightline/core/event_template.hpp"
#include "sightline/processors/registry.hpp"

namespace sightline {
namespace {

/// Rewrites each line through a format with `{count}` (1-based line number at this
/// stage), `{line}` (the content), `{tag}` and the line's fields by name. A name that is
/// none of these and no field of the line stays as written. Compiled once.
class line_counter final : public processor {
public:
    line_counter(std::string_view format, const tag_table& tags) : format_(format), tags_(tags) {}

    void process(line_context& line) override {
        ++count_;
        out_.clear();
        format_.render(out_, [&](const event_template::piece& p, std::string& o) {
            field_value v;
            if (p.name == "count") {
                char buf[24];
                auto r = std::to_chars(buf, buf + sizeof buf, count_);
                o.append(buf, r.ptr);
            } else if (p.name == "line") {
                o.append(line.text());
            } else if (p.name == "tag") {
                o.append(tags_.name(line.tag()));
            } else if (p.key && line.field(p.key, v)) {
                v.append_text(o);
            } else {
                o.append("{").append(p.name).append("}");
            }
        });
        line.emit_text(out_);
    }

private:
    event_template format_;
    const tag_table& tags_;
    std::uint64_t count_ = 0;
    std::string out_;  // reused so formatting allocates only while lines grow
};

}  // namespace

processor_descriptor line_counter_descriptor() {
    return {{"line_counter",
             "Numbers lines: rewrites each through a format with {count} (1-based, per stage), {line}, {tag} and {field}.",
             {{.name = "format",
               .type = param_type::string,
               .default_value = "Line {count}: {line}",
               .doc = "Output template; {count}, {line}, {tag} and {<field name>} are replaced, other text is kept."}}},
            [](const boost::json::object& params, build_context& ctx) -> std::unique_ptr<processor> {
                return std::make_unique<line_counter>(boost::json::value_to<std::string>(params.at("format")),
                                                             ctx.tags);
            }};
}

}  // namespace sightline
