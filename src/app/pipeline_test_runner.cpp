#include "sightline/app/pipeline_test_runner.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <cstdlib>
#include <map>
#include <set>
#include <sstream>

#include "sightline/app/config_file.hpp"
#include "sightline/app/pipeline.hpp"
#include "sightline/core/log.hpp"
#include "sightline/ingest/memory_source.hpp"
#include "sightline/sinks/capture_sink.hpp"

namespace sightline {

namespace json = boost::json;

namespace {

/// How long a case may take to drain before it counts as failed (a stage that never
/// ends its stream).
constexpr auto drain_limit = std::chrono::seconds(10);

/// Everything that happened to one input line.
struct line_outcome {
    std::uint64_t line_id = 0;
    std::vector<std::pair<std::string, const capture_sink::delivered*>> at_sinks;  // sink id, what it got
    std::vector<std::string> drops;                                                 // reasons
    std::vector<std::string> failures;                                              // error types (dead letter)
    std::vector<std::string> failure_messages;
    std::vector<trace_ptr> traces;  // one per branch
};

/// What one case's run left behind. Its pipeline lives as long as it does: trace steps
/// name components by views of their ids. (Members end in reverse order: components,
/// then the pipeline, then the io_context their strands need.)
struct case_run {
    std::unique_ptr<net::io_context> ioc = std::make_unique<net::io_context>(1);
    std::unique_ptr<pipeline> pipe;
    std::map<std::string, std::shared_ptr<memory_source>> sources;
    std::map<std::string, std::shared_ptr<capture_sink>> sinks;
    std::shared_ptr<capture_sink> dead_letter;
    std::vector<std::vector<capture_sink::delivered>> captured;  // keeps what at_sinks points at
    std::vector<line_outcome> lines;                              // in the case's line order
    std::string error;                                            // the run itself failed
};

bool same_json(const json::value& a, const json::value& b) {
    if (a.is_number() && b.is_number()) return a.to_number<double>() == b.to_number<double>();
    return a == b;
}

std::string json_quoted(std::string_view s) { return json::serialize(json::value(json::string(s))); }

std::string list(const std::vector<std::string>& v) {
    std::string s = "[";
    for (const auto& x : v) s += (s.size() > 1 ? ", " : "") + x;
    return s + "]";
}

/// The configuration a case runs: traced whole, no disk buffers, always a dead letter.
pipeline_config case_config(const pipeline_config& cfg) {
    pipeline_config c = cfg;
    c.trace.enabled = true;
    c.trace.sample = 1.0;
    c.trace.capacity = 1000000;
    for (auto& s : c.sinks) s.params.erase("buffer");
    if (!c.dead_letter_path) c.dead_letter_path = "(sightline test)";
    return c;
}

case_run run_case(const test_case& tc, const pipeline_config& cfg) {
    case_run run;
    std::map<std::string, std::vector<std::string>> inputs;
    std::vector<std::pair<std::string, std::size_t>> position;  // each line: its source, its index there
    for (const auto& l : tc.lines) {
        auto source = l.source.empty() ? cfg.sources.at(0).id : l.source;
        position.emplace_back(source, inputs[source].size());
        inputs[source].push_back(l.text);
    }
    component_factory f;
    f.make_source = [&](net::io_context& io, const component_config& c) -> std::shared_ptr<source> {
        auto s = std::make_shared<memory_source>(io, c.id, c.type, inputs[c.id]);
        run.sources[c.id] = s;
        return s;
    };
    f.make_sink = [&](net::io_context& io, const component_config& c) -> std::shared_ptr<sink> {
        auto s = std::make_shared<capture_sink>(io, c.id, c.type);
        run.sinks[c.id] = s;
        return s;
    };
    f.make_dead_letter = [&](net::io_context& io, const std::string&) -> std::shared_ptr<sink> {
        run.dead_letter = std::make_shared<capture_sink>(io, std::string(dead_letter_id), "dead_letter");
        return run.dead_letter;
    };
    auto& ioc = *run.ioc;
    {
        run.pipe = std::make_unique<pipeline>(ioc, case_config(cfg), f);
        auto& p = *run.pipe;
        bool drained = false;
        p.start([&] { drained = true; });
        auto deadline = std::chrono::steady_clock::now() + drain_limit;
        while (!drained && std::chrono::steady_clock::now() < deadline) {
            if (ioc.stopped()) ioc.restart();
            ioc.run_one_for(std::chrono::milliseconds(100));
        }
        ioc.restart();
        ioc.poll();
        if (!drained) {
            run.error = "the pipeline did not drain within 10 s";
            return run;
        }

        std::map<std::uint64_t, std::size_t> index;  // line id -> case line
        run.lines.resize(tc.lines.size());
        for (std::size_t i = 0; i < tc.lines.size(); ++i) {
            const auto& [source, k] = position[i];
            auto ids = run.sources.at(source)->line_ids();
            if (k < ids.size()) {
                run.lines[i].line_id = ids[k];
                index[ids[k]] = i;
            }
        }
        for (const auto& [id, s] : run.sinks) {
            run.captured.push_back(s->lines());
            for (const auto& d : run.captured.back())
                if (auto it = index.find(d.line_id); it != index.end()) run.lines[it->second].at_sinks.emplace_back(id, &d);
        }
        for (const auto& d : run.dead_letter->lines()) {
            boost::system::error_code ec;
            auto record = json::parse(d.text, ec);
            const auto* id = ec || !record.is_object() ? nullptr : record.as_object().if_contains("line_id");
            if (!id || !id->is_string()) continue;  // a string in the record (README "Dead letter")
            auto it = index.find(std::strtoull(id->as_string().c_str(), nullptr, 10));
            if (it == index.end()) continue;
            run.lines[it->second].failures.emplace_back(record.at("error_type").as_string());
            run.lines[it->second].failure_messages.emplace_back(record.at("error").as_string());
        }
        for (const auto& t : p.traces()->query(trace_filter{}, 1000000)) {
            auto it = index.find(t->line_id);
            if (it == index.end()) continue;
            run.lines[it->second].traces.push_back(t);
            if (t->outcome == "dropped") run.lines[it->second].drops.push_back(t->outcome_detail);
        }
        for (auto& l : run.lines) std::reverse(l.traces.begin(), l.traces.end());  // oldest first
    }
    return run;
}

/// What was expected and did not happen, one sentence each (empty: the line passed).
std::vector<std::string> mismatches(const line_expectation& e, const line_outcome& o) {
    std::vector<std::string> bad;
    std::vector<std::string> reached;
    for (const auto& [id, d] : o.at_sinks) reached.push_back(id);
    std::sort(reached.begin(), reached.end());
    if (e.sinks) {
        auto want = *e.sinks;
        std::sort(want.begin(), want.end());
        if (want != reached) bad.push_back("sinks: expected " + list(want) + ", reached " + list(reached));
    } else if (e.expects_delivery() && reached.empty()) {
        bad.push_back("sinks: expected a sink, reached none");
    } else if (!e.expects_delivery() && !reached.empty()) {
        bad.push_back("sinks: expected none, reached " + list(reached));
    }
    for (const auto& [id, d] : o.at_sinks) {
        if (e.output && d->text != *e.output)
            bad.push_back("output at " + id + ": expected " + json_quoted(*e.output) + ", got " + json_quoted(d->text));
        if (auto it = e.outputs.find(id); it != e.outputs.end() && d->text != it->second)
            bad.push_back("output at " + id + ": expected " + json_quoted(it->second) + ", got " + json_quoted(d->text));
        for (const auto& want : e.fields) {
            const auto* got = d->fields.if_contains(want.key());
            if (!got)
                bad.push_back("field " + std::string(want.key()) + " at " + id + ": expected " + json::serialize(want.value()) +
                              ", missing (fields: " + json::serialize(d->fields) + ")");
            else if (!same_json(*got, want.value()))
                bad.push_back("field " + std::string(want.key()) + " at " + id + ": expected " + json::serialize(want.value()) +
                              ", got " + json::serialize(*got));
        }
        for (const auto& k : e.fields_absent)
            if (const auto* got = d->fields.if_contains(k))
                bad.push_back("field " + k + " at " + id + ": expected absent, got " + json::serialize(*got));
    }
    for (const auto& expected : e.outputs) {
        const auto& id = expected.first;
        if (std::none_of(o.at_sinks.begin(), o.at_sinks.end(), [&](const auto& s) { return s.first == id; }))
            bad.push_back("output at " + id + ": expected " + json_quoted(expected.second) + ", the line did not reach " + id);
    }
    auto check_ends = [&](const std::optional<std::string>& want, const std::vector<std::string>& got, std::string_view what,
                          std::string_view kind) {
        if (want) {
            bool hit = std::any_of(got.begin(), got.end(), [&](const auto& g) { return want->empty() || g == *want; });
            if (!hit)
                bad.push_back(std::string(what) + ": expected" + (want->empty() ? "" : " " + std::string(kind) + " " + *want) +
                              (got.empty() ? ", it was not" : ", got " + list(got)));
        } else if (!got.empty()) {
            bad.push_back(std::string(what) + ": not expected, got " + list(got));
        }
    };
    check_ends(e.dropped, o.drops, "dropped", "with reason");
    check_ends(e.dead_letter, o.failures, "dead letter", "with error type");
    return bad;
}

void print_path(const line_outcome& o, std::ostream& out) {
    if (o.traces.empty()) {
        out << "        (no trace of this line)\n";
        return;
    }
    for (std::size_t b = 0; b < o.traces.size(); ++b) {
        const auto& t = *o.traces[b];
        out << "        path" << (o.traces.size() > 1 ? " (branch " + std::to_string(b + 1) + ")" : std::string()) << ", line_id "
            << t.line_id << ":\n";
        for (const auto& s : t.path) {
            out << "          " << s.processor << " " << s.status;
            if (!s.tag.empty()) out << " " << s.tag;
            if (auto d = t.detail_of(s); !d.empty()) out << ": " << d;
            if (auto f = t.detail_of_index(s.fields_change); !f.empty()) out << "  fields " << f;
            out << "\n";
        }
        out << "          => " << t.outcome;
        if (!t.outcome_detail.empty()) out << " (" << t.outcome_detail << ")";
        out << "\n";
    }
}

/// Prints what happened to a line after its mismatches.
void print_outcome(const line_outcome& o, std::ostream& out) {
    for (const auto& [id, d] : o.at_sinks)
        out << "        at " << id << ": " << json_quoted(d->text)
            << (d->fields.empty() ? std::string() : " fields " + json::serialize(d->fields)) << "\n";
    for (std::size_t i = 0; i < o.failures.size(); ++i)
        out << "        dead letter: " << o.failures[i] << ": " << o.failure_messages[i] << "\n";
    print_path(o, out);
}

}  // namespace

test_file_result run_test_file(const test_file& t, const pipeline_config& cfg, std::ostream& out) {
    test_file_result r;
    out << t.path << " (" << t.config_path << ")\n";
    for (const auto& tc : t.cases) {
        ++r.cases;
        auto run = run_case(tc, cfg);
        std::size_t checked = 0, failed = 0;
        std::ostringstream detail;
        if (!run.error.empty()) {
            ++failed;
            detail << "      " << run.error << "\n";
        } else {
            for (std::size_t i = 0; i < tc.lines.size(); ++i) {
                const auto& l = tc.lines[i];
                if (!l.expect) continue;
                ++checked;
                auto bad = mismatches(*l.expect, run.lines[i]);
                if (bad.empty()) continue;
                ++failed;
                detail << "      line " << i + 1 << " " << json_quoted(l.text) << " on "
                       << (l.source.empty() ? cfg.sources.at(0).id : l.source) << " (" << l.path << "):\n";
                for (const auto& b : bad) detail << "        " << b << "\n";
                print_outcome(run.lines[i], detail);
            }
        }
        r.lines_checked += checked;
        r.lines_failed += failed;
        if (failed) ++r.cases_failed;
        out << (failed ? "  FAIL " : "  ok   ") << tc.name << " (" << checked << " line" << (checked == 1 ? "" : "s")
            << " checked" << (failed ? ", " + std::to_string(failed) + " failed" : std::string()) << ")\n"
            << detail.str();
    }
    return r;
}

namespace {

const char* test_usage =
    "Usage: sightline test [--check] FILE...\n"
    "Runs pipeline tests: each FILE names a configuration and cases of input lines with what\n"
    "must become of each (the sinks it reaches, its output or fields there, or that it is\n"
    "dropped or dead-lettered). A failure prints the line's path through the pipeline.\n"
    "  --check   validate the test files (and their configurations) without running them\n"
    "Exit codes: 0 every case passed (--check: every file valid), 1 a case failed,\n"
    "2 bad usage or an invalid test file.\n";

void print_problems(const std::string& file, const problems& found, std::ostream& err) {
    for (std::size_t i = 0; i < found.size(); ++i)
        err << file << ": " << (found.path(i).empty() ? "" : found.path(i) + ": ") << found.message(i) << "\n";
}

}  // namespace

int run_test_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    bool check_only = false;
    std::vector<std::string> files;
    for (const auto& a : args) {
        if (a == "--check")
            check_only = true;
        else if (a == "--help" || a == "-h") {
            out << test_usage;
            return 0;
        } else if (a.starts_with("-")) {
            err << "sightline test: unknown option " << a << "\n" << test_usage;
            return 2;
        } else
            files.push_back(a);
    }
    if (files.empty()) {
        err << "sightline test: name at least one test file\n" << test_usage;
        return 2;
    }
    // Only errors: the report is the output (a case that dead-letters lines would log them).
    log::init(log::level::error, log::format::text, &err);
    struct loaded {
        test_file file;
        pipeline_config cfg;
    };
    std::vector<loaded> all;
    bool invalid = false;
    for (const auto& path : files) {
        problems found;
        auto t = load_test_file(path, found);
        if (!found.empty()) {
            print_problems(path, found, err);
            invalid = true;
            continue;
        }
        problems in_config;
        auto cfg = load_config_file(t.config_path, in_config);
        // A configuration of processors only (run with --file and --output) gets what the
        // command line would give it: one source `input`, one sink `output`.
        if (in_config.empty() && cfg.sources.empty())
            cfg.sources.push_back(make_component("source", "file", "input", {{"path", "-"}}));
        if (in_config.empty() && cfg.sinks.empty()) cfg.sinks.push_back(make_component("sink", "stdout", "output", {}));
        if (in_config.empty()) in_config = validate(cfg);
        if (!in_config.empty()) {
            print_problems(t.config_path, in_config, err);
            err << path << ": config: " << t.config_path << " is not a valid configuration\n";
            invalid = true;
            continue;
        }
        check_test_file(t, cfg, found);
        if (!found.empty()) {
            print_problems(path, found, err);
            invalid = true;
            continue;
        }
        all.push_back({std::move(t), std::move(cfg)});
    }
    if (invalid) return 2;
    if (check_only) {
        for (const auto& l : all) {
            std::size_t lines = 0;
            for (const auto& c : l.file.cases) lines += c.lines.size();
            out << l.file.path << ": valid (" << l.file.cases.size() << " cases, " << lines << " lines, configuration "
                << l.file.config_path << ")\n";
        }
        return 0;
    }
    test_file_result total;
    for (const auto& l : all) {
        try {
            auto r = run_test_file(l.file, l.cfg, out);
            total.cases += r.cases;
            total.cases_failed += r.cases_failed;
            total.lines_checked += r.lines_checked;
            total.lines_failed += r.lines_failed;
        } catch (const std::exception& e) {
            err << l.file.path << ": cannot run " << l.file.config_path << ": " << e.what() << "\n";
            return 2;
        }
    }
    out << total.cases << " case" << (total.cases == 1 ? "" : "s") << " in " << all.size() << " file"
        << (all.size() == 1 ? "" : "s") << ": " << total.cases - total.cases_failed << " passed, " << total.cases_failed
        << " failed (" << total.lines_checked << " lines checked, " << total.lines_failed << " failed)\n";
    return total.cases_failed ? 1 : 0;
}

}  // namespace sightline
