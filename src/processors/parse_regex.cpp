// The `parse_regex` processor: the named captures of a Perl regex become fields.
#include <boost/json/value_to.hpp>
#include <boost/regex.hpp>

#include "parser.hpp"

namespace sightline {
namespace {

using detail::parse_error;
using detail::parsed_fields;

/// The names of `(?<name>...)` and `(?'name'...)` groups, in order.
std::vector<std::string> capture_names(std::string_view pattern) {
    std::vector<std::string> names;
    for (std::size_t i = 0; i + 3 < pattern.size(); ++i) {
        if (pattern[i] == '\\') {
            ++i;
            continue;
        }
        if (pattern[i] != '(' || pattern[i + 1] != '?') continue;
        std::size_t start = i + 2;
        char close = '>';
        if (pattern[start] == '\'') close = '\'';
        else if (pattern[start] != '<' || (start + 1 < pattern.size() && (pattern[start + 1] == '=' || pattern[start + 1] == '!')))
            continue;  // (?<= and (?<! are lookbehinds
        auto end = pattern.find(close, start + 1);
        if (end == std::string_view::npos) continue;
        names.emplace_back(pattern.substr(start + 1, end - start - 1));
    }
    return names;
}

class parse_regex final : public detail::parser_processor {
public:
    parse_regex(const boost::json::object& params, boost::regex re, std::vector<std::pair<std::string, key_id>> names)
        : parser_processor(params), re_(std::move(re)), names_(std::move(names)) {}

protected:
    bool parse(std::string_view in, const line_context&, parsed_fields& out, parse_error& err) override {
        if (!boost::regex_search(in.begin(), in.end(), match_, re_)) {
            err = {"no_match", "the pattern does not match"};
            return false;
        }
        for (const auto& [name, key] : names_) {
            const auto& m = match_[name];
            if (!m.matched) continue;  // an optional group that took no part: no field
            out.set(key, field_value::string(std::string_view(&*m.first, static_cast<std::size_t>(m.length()))));
        }
        return true;
    }

private:
    boost::regex re_;
    std::vector<std::pair<std::string, key_id>> names_;
    boost::match_results<std::string_view::const_iterator> match_;
};

}  // namespace

processor_descriptor parse_regex_descriptor() {
    auto params = detail::parser_params();
    params.insert(params.begin(), {.name = "pattern",
                                   .type = param_type::string,
                                   .doc = "Perl regex; each named group (?<name>...) becomes a field. Unanchored: "
                                          "use ^ and $ to match the whole line.",
                                   .required = true});
    return {{"parse_regex", "Matches each line against a regex; named captures become fields.", std::move(params)},
            [](const boost::json::object& p, build_context& ctx) -> std::unique_ptr<processor> {
                auto pattern = boost::json::value_to<std::string>(p.at("pattern"));
                boost::regex re;
                try {
                    re = boost::regex(pattern, boost::regex::perl);
                } catch (const boost::regex_error& e) {
                    ctx.found.add(path_join(ctx.path, "pattern"), std::string("invalid regex: ") + e.what());
                    return nullptr;
                }
                std::vector<std::pair<std::string, key_id>> names;
                for (auto& n : capture_names(pattern)) {
                    auto k = field_keys::intern(n);
                    if (!k) {
                        ctx.found.add(path_join(ctx.path, "pattern"), "the field-name table is full");
                        return nullptr;
                    }
                    names.emplace_back(std::move(n), *k);
                }
                if (names.empty()) {
                    ctx.found.add(path_join(ctx.path, "pattern"), "needs at least one named group (?<name>...)");
                    return nullptr;
                }
                return std::make_unique<parse_regex>(p, std::move(re), std::move(names));
            }};
}

}  // namespace sightline
