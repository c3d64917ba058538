// The parsers on arbitrary lines: each line gets exactly one outcome, every field's text
// lies inside its batch's bytes, and the json format of every line is valid JSON. For
// parse_json, a line Boost.JSON's DOM parser reads as an object must parse, and one it
// rejects must not.
#include <boost/json/parse.hpp>
#include <map>
#include <string>
#include <vector>

#include "fuzz_targets.hpp"
#include "sightline/core/param_schema.hpp"
#include "sightline/core/problems.hpp"
#include "sightline/core/tag_table.hpp"
#include "sightline/pipeline/batch_runner.hpp"
#include "sightline/processors/registry.hpp"
#include "sightline/sinks/line_format.hpp"

namespace sightline::fuzz {

namespace {

std::unique_ptr<processor> make(std::string_view type, std::string_view params, tag_table& tags) {
    problems found;
    build_context ctx{tags, [](std::string_view, std::string_view) { return std::optional<std::size_t>(0); }, "fuzz", found};
    const auto* d = find_processor_type(type);
    auto obj = boost::json::parse(params).as_object();
    auto p = d->create(effective_params(obj, d->schema.params), ctx);
    check(p != nullptr, "the fuzz parser does not build");
    return p;
}

/// Runs `type` over the lines of `data`; returns the output batch and the result.
void run_parser(std::string_view type, std::string_view params, std::string_view data, bool json_differential) {
    static tag_table tags;
    static std::map<std::string, std::unique_ptr<processor>, std::less<>> parsers;  // one per type, made once
    auto it = parsers.find(type);
    if (it == parsers.end()) it = parsers.emplace(std::string(type), make(type, params, tags)).first;
    auto& parser = it->second;
    static auto format = line_format::from_params(boost::json::parse(R"({"format":"json"})").as_object(), &tags);
    line_batch in;
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start <= data.size() && lines.size() < 64) {
        auto nl = data.find('\n', start);
        lines.emplace_back(data.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start));
        if (nl == std::string_view::npos) break;
        start = nl + 1;
    }
    for (const auto& l : lines) in.append(l);
    batch_runner runner(1);
    batch_result r;
    runner.run(*parser, in, r);
    check(r.lines_in == lines.size(), "lines went missing");
    check(r.lines_in == r.lines_out + r.dropped_total() + r.errors, "a line has no single outcome");
    const auto& out = r.ports[0];
    if (out.empty()) return;
    std::string formatted;
    for (std::size_t i = 0; i < out.size(); ++i) {
        for (const auto& f : out.fields_of(i)) {
            check(!field_keys::name(f.key).empty(), "a field has no name");
            if ((f.kind == value_kind::string || f.kind == value_kind::json) && !f.literal)
                check(std::uint64_t(f.offset) + f.length <= out.bytes->size(), "a field's text is outside the batch");
        }
        formatted.clear();
        format.format_line(out, i, formatted);
        boost::json::error_code ec;
        auto v = boost::json::parse(formatted, ec);
        check(!ec && v.is_object(), "the json format wrote invalid JSON: " + formatted);
    }
    if (json_differential) {
        // With on_error keep every line passes on, so out line i is in line i. The lines
        // the DOM parser rejects are exactly the parse failures (unless the field-name
        // table filled up, which only a long fuzz run does), and have no fields.
        std::uint64_t failures = 0, rejected = 0;
        bool table_full = false;
        for (const auto& [reason, n] : r.parse_failures) {
            failures += n;
            table_full |= reason == "too_many_keys";
        }
        for (std::size_t i = 0; i < lines.size(); ++i) {
            boost::json::error_code ec;
            boost::json::parse_options o;
            o.max_depth = 32;
            auto v = boost::json::parse(lines[i], ec, {}, o);
            bool dom_object = !ec && v.is_object();
            if (!dom_object) {
                ++rejected;
                check(out.lines[i].field_count == 0, "parse_json accepted a non-object: " + lines[i]);
            }
        }
        if (!table_full) check(failures == rejected, "parse_json and Boost.JSON's DOM disagree on which lines are objects");
    }
}

}  // namespace

void parse_syslog_input(std::string_view data) { run_parser("parse_syslog", R"({"on_error":"keep"})", data, false); }
void parse_json_input(std::string_view data) { run_parser("parse_json", R"({"on_error":"keep"})", data, true); }
void parse_logfmt_input(std::string_view data) { run_parser("parse_logfmt", R"({"on_error":"keep"})", data, false); }
void parse_regex_input(std::string_view data) {
    run_parser("parse_regex", R"({"on_error":"keep","pattern":"^(?<a>[^ ]*) (?<b>\\S+)?(?<c>.*)$"})", data, false);
}

}  // namespace sightline::fuzz
