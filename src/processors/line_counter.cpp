#include <boost/json/value_to.hpp>
#include <charconv>
#include <vector>

#include "sightline/processors/registry.hpp"

namespace sightline {
namespace {

/// Rewrites each line through a format with `{count}` (1-based line number at this
/// stage), `{line}` (the content) and `{tag}`. The format is compiled once.
class line_counter final : public processor {
public:
    line_counter(std::string format_text, const tag_table& tags) : format_(std::move(format_text)), tags_(tags) {
        std::string_view format = format_;  // pieces point into format_, which lives as long as they do
        std::size_t pos = 0;
        while (pos < format.size()) {
            auto open = format.find('{', pos);
            piece p;
            if (open == std::string_view::npos) {
                p.literal = format.substr(pos);
                pieces_.push_back(p);
                break;
            }
            auto close = format.find('}', open);
            std::string_view name = close == std::string_view::npos ? "" : format.substr(open + 1, close - open - 1);
            field f = name == "count" ? field::count : name == "line" ? field::line : name == "tag" ? field::tag : field::none;
            if (f == field::none) {  // not a placeholder: keep the brace literally
                p.literal = format.substr(pos, open + 1 - pos);
                pieces_.push_back(p);
                pos = open + 1;
                continue;
            }
            p.literal = format.substr(pos, open - pos);
            p.then = f;
            pieces_.push_back(p);
            pos = close + 1;
        }
    }

    void process(line_context& line) override {
        ++count_;
        out_.clear();
        for (const auto& p : pieces_) {
            out_.append(p.literal);
            switch (p.then) {
            case field::count: {
                char buf[24];
                auto r = std::to_chars(buf, buf + sizeof buf, count_);
                out_.append(buf, r.ptr);
                break;
            }
            case field::line: out_.append(line.text()); break;
            case field::tag: out_.append(tags_.name(line.tag())); break;
            case field::none: break;
            }
        }
        line.emit_text(out_);
    }

private:
    enum class field { none, count, line, tag };
    struct piece {
        std::string_view literal;
        field then = field::none;
    };
    std::string format_;
    std::vector<piece> pieces_;
    const tag_table& tags_;
    std::uint64_t count_ = 0;
    std::string out_;  // reused so formatting allocates only while lines grow
};

}  // namespace

processor_descriptor line_counter_descriptor() {
    return {{"line_counter",
             "Numbers lines: rewrites each through a format with {count} (1-based, per stage), {line} and {tag}.",
             {{.name = "format",
               .type = param_type::string,
               .default_value = "Line {count}: {line}",
               .doc = "Output template; {count}, {line} and {tag} are replaced, other text is kept."}}},
            [](const boost::json::object& params, build_context& ctx) -> std::unique_ptr<processor> {
                return std::make_unique<line_counter>(boost::json::value_to<std::string>(params.at("format")),
                                                             ctx.tags);
            }};
}

}  // namespace sightline
