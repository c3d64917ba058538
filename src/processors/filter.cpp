#include <boost/json/value_to.hpp>
#include <optional>

#include "regex_param.hpp"

namespace sightline {
namespace {

/// What a filter keeps: lines containing `pattern`, or lines whose `field` passes a test
/// (equals, matches, exists, above, below; several tests must all pass). With `invert`,
/// the others. A line that is not kept is dropped and counted as `filtered`.
struct field_test {
    key_id key = 0;
    std::optional<std::string> equals;
    std::optional<text_matcher> matches;
    std::optional<bool> exists;
    std::optional<double> above, below;

    bool passes(const line_context& line, std::string& scratch) const {
        field_value v;
        bool present = line.field(key, v);
        if (exists && present != *exists) return false;
        if (!present) return !equals && !matches && !above && !below && exists;
        if (equals || matches) {
            std::string_view text = v.text_for_compare(scratch);
            if (equals && text != *equals) return false;
            if (matches && !matches->matches(text)) return false;
        }
        if (above || below) {
            double n;
            if (!v.as_number(n)) return false;
            if (above && !(n > *above)) return false;
            if (below && !(n < *below)) return false;
        }
        return true;
    }
};

class filter final : public processor {
public:
    /// Tests the text with `m`, or (without one) the field with `t`. (A plain member and
    /// a flag, not an optional field_test: g++ 12 with -fsanitize=thread warns falsely
    /// that an optional's moved field_test may be uninitialized.)
    filter(std::optional<text_matcher> m, field_test t, bool invert)
        : matcher_(std::move(m)), test_(std::move(t)), invert_(invert) {}
    void process(line_context& line) override {
        bool keep = matcher_ ? matcher_->matches(line.text()) : test_.passes(line, scratch_);
        if (keep != invert_)
            line.emit();
        else
            line.drop(drop_reason::filtered);
    }

private:
    std::optional<text_matcher> matcher_;
    field_test test_;
    bool invert_;
    std::string scratch_;
};

}  // namespace

processor_descriptor filter_descriptor() {
    using boost::json::value_to;
    return {{"filter",
             "Keeps lines containing a pattern (substring or regex), or whose field passes a test (equals, matches, "
             "exists, above, below); drops the rest, counted as filtered.",
             {{.name = "pattern", .type = param_type::string, .doc = "Text (or regex) a kept line contains (without field)."},
              {.name = "regex", .type = param_type::boolean, .default_value = false, .doc = "Treat pattern as a Perl regex."},
              {.name = "ignore_case", .type = param_type::boolean, .default_value = false, .doc = "Match regardless of case."},
              {.name = "invert", .type = param_type::boolean, .default_value = false, .doc = "Keep the lines that do NOT match."},
              {.name = "field", .type = param_type::string, .doc = "Test this field instead of the text (with the tests below)."},
              {.name = "equals", .type = param_type::string, .doc = "The field's value (as text) is exactly this."},
              {.name = "matches", .type = param_type::string, .doc = "The field's value (as text) matches this Perl regex."},
              {.name = "exists", .type = param_type::boolean, .doc = "The field is present (true) or absent (false)."},
              {.name = "above", .type = param_type::number, .doc = "The field is a number (or text spelling one) greater than this."},
              {.name = "below", .type = param_type::number, .doc = "The field is a number (or text spelling one) less than this."}}},
            [](const boost::json::object& p, build_context& ctx) -> std::unique_ptr<processor> {
                bool has_pattern = p.contains("pattern"), has_field = p.contains("field");
                bool has_test = p.contains("equals") || p.contains("matches") || p.contains("exists") ||
                                p.contains("above") || p.contains("below");
                if (has_pattern == has_field) {
                    ctx.found.add(path_join(ctx.path, has_pattern ? "field" : "pattern"),
                                  "a filter needs either pattern or field, not both");
                    return nullptr;
                }
                if (has_field && !has_test) {
                    ctx.found.add(path_join(ctx.path, "field"), "needs a test: equals, matches, exists, above or below");
                    return nullptr;
                }
                if (has_pattern && has_test) {
                    ctx.found.add(path_join(ctx.path, "pattern"), "equals, matches, exists, above and below test a field");
                    return nullptr;
                }
                bool ignore_case = p.at("ignore_case").as_bool();
                if (has_pattern) {
                    auto m = detail::make_matcher(ctx, path_join(ctx.path, "pattern"), value_to<std::string>(p.at("pattern")),
                                                  p.at("regex").as_bool(), ignore_case);
                    if (!m) return nullptr;
                    return std::make_unique<filter>(std::move(*m), field_test{}, p.at("invert").as_bool());
                }
                field_test t;
                auto key = field_keys::intern(value_to<std::string>(p.at("field")));
                if (!key) {
                    ctx.found.add(path_join(ctx.path, "field"), "must not be empty");
                    return nullptr;
                }
                t.key = *key;
                if (p.contains("equals")) t.equals = value_to<std::string>(p.at("equals"));
                if (p.contains("matches")) {
                    auto m = detail::make_matcher(ctx, path_join(ctx.path, "matches"), value_to<std::string>(p.at("matches")),
                                                  true, ignore_case);
                    if (!m) return nullptr;
                    t.matches = std::move(*m);
                }
                if (p.contains("exists")) t.exists = p.at("exists").as_bool();
                if (p.contains("above")) t.above = p.at("above").to_number<double>();
                if (p.contains("below")) t.below = p.at("below").to_number<double>();
                return std::make_unique<filter>(std::nullopt, std::move(t), p.at("invert").as_bool());
            }};
}

}  // namespace sightline
