#include <boost/json/value_to.hpp>

#include "regex_param.hpp"

namespace sightline {
namespace {

/// Keeps lines that contain `pattern` (or, with `invert`, those that do not); the
/// others are dropped and counted as `filtered`.
class filter final : public processor {
public:
    filter(text_matcher m, bool invert) : matcher_(std::move(m)), invert_(invert) {}
    void process(line_context& line) override {
        if (matcher_.matches(line.text()) != invert_)
            line.emit();
        else
            line.drop(drop_reason::filtered);
    }

private:
    text_matcher matcher_;
    bool invert_;
};

}  // namespace

processor_descriptor filter_descriptor() {
    using boost::json::value_to;
    return {{"filter",
             "Keeps lines containing a pattern (substring or regex); drops the rest, counted as filtered.",
             {{.name = "pattern", .type = param_type::string, .doc = "Text (or regex) a kept line contains.", .required = true},
              {.name = "regex", .type = param_type::boolean, .default_value = false, .doc = "Treat pattern as a Perl regex."},
              {.name = "ignore_case", .type = param_type::boolean, .default_value = false, .doc = "Match regardless of case."},
              {.name = "invert", .type = param_type::boolean, .default_value = false, .doc = "Keep the lines that do NOT match."}}},
            [](const boost::json::object& p, build_context& ctx) -> std::unique_ptr<processor> {
                auto m = detail::make_matcher(ctx, path_join(ctx.path, "pattern"), value_to<std::string>(p.at("pattern")),
                                              p.at("regex").as_bool(), p.at("ignore_case").as_bool());
                if (!m) return nullptr;
                return std::make_unique<filter>(std::move(*m), p.at("invert").as_bool());
            }};
}

}  // namespace sightline
