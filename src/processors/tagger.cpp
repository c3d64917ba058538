#include <boost/json/value_to.hpp>
#include <vector>

#include "regex_param.hpp"
#include "sightline/processors/level_detector.hpp"

namespace sightline {
namespace {

/// Tags each line: the first custom rule that matches wins, else its log level
/// (error, warn, info, debug), else `default_tag`. The line itself is not changed.
class tagger final : public processor {
public:
    struct rule {
        text_matcher matcher;
        tag_id tag;
    };
    tagger(std::vector<rule> rules, bool detect_levels, tag_table& tags, tag_id fallback)
        : rules_(std::move(rules)), detect_levels_(detect_levels), fallback_(fallback) {
        level_tags_[static_cast<int>(log_level::none)] = fallback;
        level_tags_[static_cast<int>(log_level::error)] = tags.intern("error");
        level_tags_[static_cast<int>(log_level::warn)] = tags.intern("warn");
        level_tags_[static_cast<int>(log_level::info)] = tags.intern("info");
        level_tags_[static_cast<int>(log_level::debug)] = tags.intern("debug");
    }

    void process(line_context& line) override {
        line.set_tag(classify(line.text()));
        line.emit();
    }

private:
    tag_id classify(std::string_view text) const {
        for (const auto& r : rules_)
            if (r.matcher.matches(text)) return r.tag;
        if (!detect_levels_) return fallback_;
        return level_tags_[static_cast<int>(detect_level(text))];
    }

    std::vector<rule> rules_;
    bool detect_levels_;
    tag_id fallback_;
    tag_id level_tags_[5] = {};
};

}  // namespace

processor_descriptor tagger_descriptor() {
    using boost::json::value_to;
    return {{"tagger",
             "Tags lines by log level (error: ERROR/ERR/FATAL/CRITICAL, warn: WARN/WARNING, info: INFO, "
             "debug: DEBUG/TRACE, or level=<word>); custom rules win over the levels.",
             {{.name = "default_tag", .type = param_type::string, .default_value = "untagged", .doc = "Tag of lines no rule or level matches."},
              {.name = "rules",
               .type = param_type::object_list,
               .default_value = boost::json::array(),
               .doc = "Custom rules tried first, in order: {\"pattern\", \"tag\", \"regex\": false, \"ignore_case\": false}."},
              {.name = "detect_levels", .type = param_type::boolean, .default_value = true, .doc = "Tag by log level when no rule matches."}}},
            [](const boost::json::object& p, build_context& ctx) -> std::unique_ptr<processor> {
                std::vector<tagger::rule> rules;
                const auto& list = p.at("rules").as_array();
                bool ok = true;
                static const std::vector<param_spec> rule_params = {
                    {.name = "pattern", .type = param_type::string, .required = true},
                    {.name = "tag", .type = param_type::string, .required = true},
                    {.name = "regex", .type = param_type::boolean, .default_value = false},
                    {.name = "ignore_case", .type = param_type::boolean, .default_value = false}};
                for (std::size_t i = 0; i < list.size(); ++i) {
                    std::string rpath = path_index(path_join(ctx.path, "rules"), i);
                    const auto& obj = list[i].as_object();
                    auto before = ctx.found.size();
                    validate_params(obj, rule_params, rpath, {}, ctx.found);
                    if (ctx.found.size() != before) {
                        ok = false;
                        continue;
                    }
                    auto r = effective_params(obj, rule_params);
                    auto m = detail::make_matcher(ctx, path_join(rpath, "pattern"), value_to<std::string>(r.at("pattern")),
                                                  r.at("regex").as_bool(), r.at("ignore_case").as_bool());
                    if (!m) {
                        ok = false;
                        continue;
                    }
                    rules.push_back({std::move(*m), ctx.tags.intern(value_to<std::string>(r.at("tag")))});
                }
                if (!ok) return nullptr;
                tag_id fallback = ctx.tags.intern(value_to<std::string>(p.at("default_tag")));
                return std::make_unique<tagger>(std::move(rules), p.at("detect_levels").as_bool(), ctx.tags, fallback);
            }};
}

}  // namespace sightline
