#include "parser.hpp"

#include <boost/json/value_to.hpp>

namespace sightline::detail {

std::vector<param_spec> parser_params() {
    return {{.name = "field",
             .type = param_type::string,
             .doc = "Parse this field's text instead of the line's (a line without it fails: field_missing)."},
            {.name = "on_error",
             .type = param_type::string,
             .default_value = "fail",
             .doc = "A line that does not parse: fail (error type parse, to the dead letter), keep (passed on "
                    "unchanged, counted) or drop (dropped as parse_failed, counted).",
             .choices = {"fail", "keep", "drop"}}};
}

parser_processor::parser_processor(const boost::json::object& params) {
    if (const auto* f = params.if_contains("field"); f && f->is_string()) {
        field_name_ = boost::json::value_to<std::string>(*f);
        field_ = field_keys::intern(field_name_);
    }
    auto policy = boost::json::value_to<std::string>(params.at("on_error"));
    on_error_ = policy == "keep" ? on_error_policy::keep : policy == "drop" ? on_error_policy::drop : on_error_policy::fail;
}

bool parser_processor::intern(std::string_view name, key_id& id, parse_error& err) {
    auto k = keys_.intern(name);
    if (!k) {
        err = {"too_many_keys", "more distinct field names than the table holds (" + std::to_string(field_keys::capacity) + ")"};
        return false;
    }
    id = *k;
    return true;
}

void parser_processor::process(line_context& line) {
    parsed_.clear();
    parse_error err;
    bool ok = false;
    std::string_view input = line.text();
    field_value v;
    if (field_ && !line.field(*field_, v)) {
        err = {"field_missing", "the line has no field " + field_name_};
    } else if (field_ && !v.has_text()) {
        err = {"field_not_text", "field " + field_name_ + " is a " + std::string(to_string(v.kind)) + ", not text"};
    } else {
        if (field_) input = v.text;
        ok = parse(input, line, parsed_, err);
        if (ok && parsed_.fields.size() > max_fields_per_line) {
            ok = false;
            err = {"too_many_fields", "more than " + std::to_string(max_fields_per_line) + " fields"};
        }
    }
    if (ok) {
        line.add_fields(parsed_.fields);  // valid until emit(): parsed_ is cleared at the next line
        line.emit();
        return;
    }
    line.parse_failed(err.reason, err.message);
    switch (on_error_) {
    case on_error_policy::fail: line.fail(std::string(err.reason) + ": " + err.message, "parse"); break;
    case on_error_policy::keep: line.emit(); break;
    case on_error_policy::drop: line.drop(drop_reason::parse_failed); break;
    }
}

}  // namespace sightline::detail
