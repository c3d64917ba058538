#include "sightline/app/pipeline_test_file.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value_to.hpp>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "sightline/core/drop_reason.hpp"
#include "sightline/core/param_schema.hpp"

namespace sightline {

namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

/// Reports members of `o` not in `known`.
void check_keys(const json::object& o, std::initializer_list<std::string_view> known, const std::string& path,
                problems& found) {
    for (const auto& m : o) {
        bool ok = false;
        for (auto k : known) ok = ok || m.key() == k;
        if (!ok) {
            std::string names;
            for (auto k : known) names += (names.empty() ? "" : ", ") + std::string(k);
            found.add(path_join(path, m.key()), "unknown key (expected one of: " + names + ")");
        }
    }
}

std::optional<std::string> string_at(const json::object& o, std::string_view key, const std::string& path,
                                     problems& found) {
    const auto* v = o.if_contains(key);
    if (!v) return std::nullopt;
    if (!v->is_string()) {
        found.add(path_join(path, key), "must be a string");
        return std::nullopt;
    }
    return std::string(v->as_string());
}

std::vector<std::string> strings_at(const json::object& o, std::string_view key, const std::string& path, problems& found) {
    std::vector<std::string> out;
    const auto* v = o.if_contains(key);
    if (!v) return out;
    if (!v->is_array()) {
        found.add(path_join(path, key), "must be an array of strings");
        return out;
    }
    for (std::size_t i = 0; i < v->as_array().size(); ++i) {
        const auto& e = v->as_array()[i];
        if (e.is_string())
            out.emplace_back(e.as_string());
        else
            found.add(path_index(path_join(path, key), i), "must be a string");
    }
    return out;
}

/// `dropped` and `dead_letter`: a name, or true for any.
std::optional<std::string> name_or_any(const json::object& o, std::string_view key, const std::string& path,
                                       problems& found) {
    const auto* v = o.if_contains(key);
    if (!v) return std::nullopt;
    if (v->is_bool() && v->as_bool()) return std::string();
    if (v->is_string() && !v->as_string().empty()) return std::string(v->as_string());
    found.add(path_join(path, key), "must be a name or true (any)");
    return std::nullopt;
}

line_expectation parse_expectation(const json::object& o, const std::string& path, problems& found) {
    check_keys(o, {"sinks", "output", "outputs", "fields", "fields_absent", "dropped", "dead_letter"}, path, found);
    line_expectation e;
    if (o.contains("sinks")) e.sinks = strings_at(o, "sinks", path, found);
    e.output = string_at(o, "output", path, found);
    if (const auto* v = o.if_contains("outputs")) {
        if (!v->is_object()) found.add(path_join(path, "outputs"), "must be an object: sink id -> text");
        else
            for (const auto& m : v->as_object()) {
                if (m.value().is_string())
                    e.outputs[std::string(m.key())] = std::string(m.value().as_string());
                else
                    found.add(path_join(path_join(path, "outputs"), m.key()), "must be a string");
            }
    }
    if (const auto* v = o.if_contains("fields")) {
        if (v->is_object())
            e.fields = v->as_object();
        else
            found.add(path_join(path, "fields"), "must be an object: field -> value");
    }
    e.fields_absent = strings_at(o, "fields_absent", path, found);
    e.dropped = name_or_any(o, "dropped", path, found);
    e.dead_letter = name_or_any(o, "dead_letter", path, found);
    if (o.empty()) found.add(path, "expects nothing: name sinks, output, outputs, fields, fields_absent, dropped or dead_letter");
    if (e.sinks && e.sinks->empty() && e.expects_delivery())
        found.add(path_join(path, "sinks"), "is empty, but output or fields are expected at a sink");
    return e;
}

test_line parse_line(const json::value& v, const std::string& default_source, const std::string& path, problems& found) {
    test_line l;
    l.path = path;
    l.source = default_source;
    if (v.is_string()) {
        l.text = std::string(v.as_string());
        return l;
    }
    if (!v.is_object()) {
        found.add(path, "must be a line (a string) or {\"line\", \"source\", \"expect\"}");
        return l;
    }
    const auto& o = v.as_object();
    check_keys(o, {"line", "source", "expect"}, path, found);
    if (auto t = string_at(o, "line", path, found))
        l.text = *t;
    else if (!o.contains("line"))
        found.add(path_join(path, "line"), "is missing");
    if (auto s = string_at(o, "source", path, found)) l.source = *s;
    if (const auto* e = o.if_contains("expect")) {
        if (e->is_object())
            l.expect = parse_expectation(e->as_object(), path_join(path, "expect"), found);
        else
            found.add(path_join(path, "expect"), "must be an object");
    }
    if (l.text.find('\n') != std::string::npos) found.add(path_join(path, "line"), "holds a newline: give one line each");
    return l;
}

}  // namespace

test_file load_test_file(const std::string& path, problems& found) {
    test_file t;
    t.path = path;
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        found.add("", "cannot read " + path);
        return t;
    }
    std::stringstream text;
    text << in.rdbuf();
    boost::system::error_code ec;
    auto doc = json::parse(text.str(), ec);
    if (ec) {
        found.add("", path + " is not JSON: " + ec.message());
        return t;
    }
    if (!doc.is_object()) {
        found.add("", "must be an object with config and tests");
        return t;
    }
    const auto& o = doc.as_object();
    check_keys(o, {"config", "tests"}, "", found);
    if (auto c = string_at(o, "config", "", found)) {
        fs::path p(*c);
        t.config_path = p.is_absolute() ? p.string() : (fs::path(path).parent_path() / p).lexically_normal().string();
    } else if (!o.contains("config")) {
        found.add("config", "is missing: the configuration file this tests (relative to the test file)");
    }
    const auto* tests = o.if_contains("tests");
    if (!tests || !tests->is_array() || tests->as_array().empty()) {
        found.add("tests", "must be a non-empty array of cases");
        return t;
    }
    std::set<std::string> names;
    for (std::size_t i = 0; i < tests->as_array().size(); ++i) {
        auto cpath = path_index("tests", i);
        const auto& cv = tests->as_array()[i];
        if (!cv.is_object()) {
            found.add(cpath, "must be an object with name and lines");
            continue;
        }
        const auto& co = cv.as_object();
        check_keys(co, {"name", "source", "lines"}, cpath, found);
        test_case c;
        c.path = cpath;
        if (auto n = string_at(co, "name", cpath, found); n && !n->empty())
            c.name = *n;
        else
            found.add(path_join(cpath, "name"), "is missing");
        if (!c.name.empty() && !names.insert(c.name).second) found.add(path_join(cpath, "name"), "repeats an earlier case's name");
        auto source = string_at(co, "source", cpath, found).value_or("");
        const auto* lines = co.if_contains("lines");
        if (!lines || !lines->is_array() || lines->as_array().empty()) {
            found.add(path_join(cpath, "lines"), "must be a non-empty array of lines");
            continue;
        }
        bool any_expect = false;
        for (std::size_t k = 0; k < lines->as_array().size(); ++k) {
            c.lines.push_back(parse_line(lines->as_array()[k], source, path_index(path_join(cpath, "lines"), k), found));
            any_expect = any_expect || c.lines.back().expect.has_value();
        }
        if (!any_expect) found.add(path_join(cpath, "lines"), "no line has an expect: the case would check nothing");
        t.cases.push_back(std::move(c));
    }
    return t;
}

void check_test_file(const test_file& t, const pipeline_config& cfg, problems& found) {
    std::set<std::string> sources, sinks;
    for (const auto& s : cfg.sources) sources.insert(s.id);
    for (const auto& s : cfg.sinks) sinks.insert(s.id);
    auto names = [](const std::set<std::string>& s) {
        std::string out;
        for (const auto& n : s) out += (out.empty() ? "" : ", ") + n;
        return out;
    };
    std::set<std::string> reasons;
    for (std::size_t r = 0; r < drop_reason_count; ++r) reasons.insert(std::string(to_string(static_cast<drop_reason>(r))));
    for (const auto& c : t.cases)
        for (const auto& l : c.lines) {
            if (l.source.empty() && sources.size() != 1)
                found.add(l.path, "names no source, and the configuration has " + std::to_string(sources.size()) +
                                      " (" + names(sources) + "): give \"source\"");
            else if (!l.source.empty() && !sources.count(l.source))
                found.add(path_join(l.path, "source"), "no source " + l.source + " in the configuration (" + names(sources) + ")");
            if (!l.expect) continue;
            auto epath = path_join(l.path, "expect");
            if (l.expect->sinks)
                for (std::size_t i = 0; i < l.expect->sinks->size(); ++i)
                    if (!sinks.count((*l.expect->sinks)[i]))
                        found.add(path_index(path_join(epath, "sinks"), i),
                                  "no sink " + (*l.expect->sinks)[i] + " in the configuration (" + names(sinks) + ")");
            for (const auto& [id, text] : l.expect->outputs)
                if (!sinks.count(id))
                    found.add(path_join(path_join(epath, "outputs"), id), "no sink " + id + " in the configuration (" + names(sinks) + ")");
            if (l.expect->dropped && !l.expect->dropped->empty() && !reasons.count(*l.expect->dropped))
                found.add(path_join(epath, "dropped"), "no drop reason " + *l.expect->dropped + " (" + names(reasons) + ")");
        }
}

}  // namespace sightline
