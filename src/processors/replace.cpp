#include <boost/json/value_to.hpp>
#include <iterator>

#include "regex_param.hpp"

namespace sightline {
namespace {

/// Replaces every match of a regex with a replacement that may use $1, $2... and $&.
class replace final : public processor {
public:
    replace(boost::regex re, std::string replacement) : re_(std::move(re)), replacement_(std::move(replacement)) {}
    void process(line_context& line) override {
        auto text = line.text();
        if (!boost::regex_search(text.begin(), text.end(), re_)) {
            line.emit();  // unchanged lines keep sharing the batch buffer
            return;
        }
        out_.clear();
        boost::regex_replace(std::back_inserter(out_), text.begin(), text.end(), re_, replacement_);
        line.emit_text(out_);
    }

private:
    boost::regex re_;
    std::string replacement_;
    std::string out_;
};

}  // namespace

processor_descriptor replace_descriptor() {
    using boost::json::value_to;
    return {{"replace",
             "Replaces every regex match in a line; the replacement may use $1..$9 and $& (Perl format).",
             {{.name = "pattern", .type = param_type::string, .doc = "Perl regex to find.", .required = true},
              {.name = "replacement", .type = param_type::string, .default_value = "", .doc = "Text put in place of each match."},
              {.name = "ignore_case", .type = param_type::boolean, .default_value = false, .doc = "Match regardless of case."}}},
            [](const boost::json::object& p, build_context& ctx) -> std::unique_ptr<processor> {
                auto m = detail::make_matcher(ctx, path_join(ctx.path, "pattern"), value_to<std::string>(p.at("pattern")), true,
                                              p.at("ignore_case").as_bool());
                if (!m) return nullptr;
                return std::make_unique<replace>(*m->regex(), value_to<std::string>(p.at("replacement")));
            }};
}

}  // namespace sightline
