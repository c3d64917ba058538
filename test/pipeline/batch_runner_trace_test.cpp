#include "sightline/pipeline/batch_runner.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sightline/core/line_batch.hpp"
#include "sightline/core/param_schema.hpp"
#include "sightline/core/problems.hpp"
#include "sightline/core/tag_table.hpp"
#include "sightline/core/trace_record.hpp"
#include "sightline/processors/registry.hpp"

namespace json = boost::json;
using sightline::batch_result;
using sightline::batch_runner;
using sightline::line_batch;
using sightline::line_context;
using sightline::processor;
using sightline::tag_id;
using sightline::trace_ptr;
using sightline::trace_record;

namespace {

using strings = std::vector<std::string>;

/// Builds registry processors with a port table the test controls.
struct harness {
    sightline::tag_table tags;
    sightline::problems found;
    std::map<std::pair<std::string, std::string>, std::size_t> ports;

    std::unique_ptr<processor> make(std::string_view type, std::string_view params_json = "{}") {
        const auto* d = sightline::find_processor_type(type);
        BOOST_REQUIRE_MESSAGE(d != nullptr, "no processor type " << type);
        auto obj = json::parse(params_json).as_object();
        sightline::build_context ctx{
            tags,
            [this](std::string_view param, std::string_view key) -> std::optional<std::size_t> {
                auto it = ports.find({std::string(param), std::string(key)});
                if (it == ports.end()) return std::nullopt;
                return it->second;
            },
            "processors[0]", found};
        auto p = d->create(sightline::effective_params(obj, d->schema.params), ctx);
        BOOST_REQUIRE_MESSAGE(found.empty(), "unexpected problem: " << (found.empty() ? std::string() : found.items().front()));
        BOOST_REQUIRE(p != nullptr);
        return p;
    }
};

/// A processor whose behaviour is a function of the line and its index in the batch.
class scripted final : public processor {
public:
    using script = std::function<void(line_context&, std::size_t)>;
    explicit scripted(script s) : script_(std::move(s)) {}
    void process(line_context& line) override { script_(line, index_++); }

private:
    script script_;
    std::size_t index_ = 0;
};

/// A record as the sampler makes it: id, source, content and a `received` step.
trace_ptr make_record(std::uint64_t id, std::string_view content, std::string_view source = "in") {
    auto r = sightline::make_trace_record();
    r->line_id = id;
    r->source = source;
    r->set_original(std::string(content));
    r->add(source, "received");
    return r;
}

/// A batch of `lines` (all with `tag`) whose lines at `traced` (ascending) carry a
/// record with line_id = 100 + index.
line_batch traced_batch(const strings& lines, const std::vector<std::uint32_t>& traced, tag_id tag = 0) {
    line_batch b;
    for (const auto& l : lines) b.append(l, tag);
    for (auto i : traced) b.traces.push_back({i, make_record(100 + i, lines.at(i))});
    return b;
}

/// Each trace of a batch as "index:line_id:text at that index".
strings trace_entries(const line_batch& b) {
    strings out;
    for (const auto& t : b.traces) {
        BOOST_TEST_REQUIRE(t.record != nullptr);
        BOOST_TEST_REQUIRE(t.index < b.size());
        out.push_back(std::to_string(t.index) + ":" + std::to_string(t.record->line_id) + ":" +
                      std::string(b.text(t.index)));
    }
    return out;
}

/// Each step of a trace as "processor/status/tag/detail".
strings steps(const trace_record& r) {
    strings out;
    for (const auto& s : r.path) out.push_back(std::string(s.processor) + "/" + std::string(s.status) + "/" + std::string(s.tag) + "/" + std::string(r.detail_of(s)));
    return out;
}

bool durations_ok(const trace_record& r) {
    for (const auto& s : r.path)
        if (!(s.duration_us >= 0)) return false;
    return true;
}

void check_identity(const batch_result& r) {
    BOOST_TEST(r.lines_in == r.lines_out + r.dropped_total() + r.errors);
}

bool no_trace_anywhere(const batch_result& r) {
    for (const auto& p : r.ports)
        if (!p.traces.empty()) return false;
    for (const auto& f : r.failures)
        if (f.trace) return false;
    return r.finished_traces.empty();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(batch_runner_trace_tests)

BOOST_AUTO_TEST_CASE(an_emitted_traced_line_keeps_its_index_and_gets_an_emit_step) {
    harness h;
    auto tagger = h.make("tagger");
    auto in = traced_batch({"a", "b", "c", "d"}, {0, 2, 3});
    batch_runner runner(1, "tag1");
    batch_result r;
    runner.run(*tagger, in, r);
    BOOST_TEST(trace_entries(r.ports[0]) == (strings{"0:100:a", "2:102:c", "3:103:d"}), boost::test_tools::per_element());
    for (const auto& t : r.ports[0].traces) {
        BOOST_TEST(steps(*t.record) == (strings{"in/received//", "tag1/emit//"}), boost::test_tools::per_element());
        BOOST_TEST(durations_ok(*t.record));
        BOOST_TEST(t.record->path.back().unix_us >= t.record->path.front().unix_us);
        BOOST_TEST(t.record->outcome.empty());  // the sink decides
    }
    // A line emitted once continues with its own record, not a copy.
    BOOST_TEST(r.ports[0].traces[0].record.get() == in.traces[0].record.get());
    BOOST_TEST(r.finished_traces.empty());
    BOOST_TEST(r.failures.empty());
    check_identity(r);
}

BOOST_AUTO_TEST_CASE(traced_lines_keep_their_index_after_filtering_removed_lines_before_them) {
    harness h;
    auto filter = h.make("filter", R"({"pattern":"keep"})");
    auto in = traced_batch({"drop 0", "keep 1", "drop 2", "drop 3", "keep 4", "keep 5"}, {1, 4, 5});
    batch_runner runner(1, "f");
    batch_result r;
    runner.run(*filter, in, r);
    BOOST_TEST_REQUIRE(r.ports[0].size() == 3u);
    BOOST_TEST(trace_entries(r.ports[0]) == (strings{"0:101:keep 1", "1:104:keep 4", "2:105:keep 5"}),
               boost::test_tools::per_element());
    for (const auto& t : r.ports[0].traces) {
        BOOST_TEST(steps(*t.record) == (strings{"in/received//", "f/emit//"}), boost::test_tools::per_element());
        BOOST_TEST(durations_ok(*t.record));
    }
    BOOST_TEST(r.finished_traces.empty());  // the dropped lines were not traced
    check_identity(r);
}

BOOST_AUTO_TEST_CASE(traced_lines_keep_their_index_after_emit_text_gives_the_port_its_own_buffer) {
    harness h;
    auto replace = h.make("replace", R"({"pattern":"b","replacement":"B"})");
    // Lines 0 and 2 pass unchanged (shared buffer) until line 1 forces a copy.
    auto in = traced_batch({"xa", "b1", "xc", "b3", "xe"}, {0, 2, 3, 4});
    batch_runner runner(1, "rep");
    batch_result r;
    runner.run(*replace, in, r);
    BOOST_TEST(r.ports[0].bytes.get() != in.bytes.get());
    BOOST_TEST(trace_entries(r.ports[0]) == (strings{"0:100:xa", "2:102:xc", "3:103:B3", "4:104:xe"}),
               boost::test_tools::per_element());
    for (const auto& t : r.ports[0].traces)
        BOOST_TEST(steps(*t.record) == (strings{"in/received//", "rep/emit//"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(rewritten_traced_lines_keep_their_output_index_after_drops_before_them) {
    // Drops lines starting with '-', rewrites lines starting with '*', passes the rest.
    scripted p([](line_context& l, std::size_t) {
        if (l.text().front() == '-')
            l.drop(sightline::drop_reason::filtered);
        else if (l.text().front() == '*')
            l.emit_text("[" + std::string(l.text().substr(1)) + "]");
        else
            l.emit();
    });
    auto in = traced_batch({"-0", "a1", "-2", "*3", "-4", "b5", "*6"}, {1, 3, 5, 6});
    batch_runner runner(1, "mix");
    batch_result r;
    runner.run(p, in, r);
    BOOST_TEST(r.ports[0].bytes.get() != in.bytes.get());
    BOOST_TEST(trace_entries(r.ports[0]) == (strings{"0:101:a1", "1:103:[3]", "2:105:b5", "3:106:[6]"}),
               boost::test_tools::per_element());
    for (const auto& t : r.ports[0].traces)
        BOOST_TEST(steps(*t.record) == (strings{"in/received//", "mix/emit//"}), boost::test_tools::per_element());
    check_identity(r);
}

BOOST_AUTO_TEST_CASE(traces_follow_lines_through_a_filter_then_a_rewriting_stage) {
    harness h;
    auto filter = h.make("filter", R"({"pattern":"x","invert":true})");
    auto counter = h.make("line_counter");
    auto in = traced_batch({"x0", "a1", "x2", "x3", "b4", "c5"}, {0, 1, 4, 5});
    batch_runner first(1, "f"), second(1, "count");
    batch_result r1, r2;
    first.run(*filter, in, r1);
    BOOST_TEST(trace_entries(r1.ports[0]) == (strings{"0:101:a1", "1:104:b4", "2:105:c5"}),
               boost::test_tools::per_element());
    BOOST_TEST_REQUIRE(r1.finished_traces.size() == 1u);
    BOOST_TEST(r1.finished_traces[0]->line_id == 100u);

    second.run(*counter, std::move(r1.ports[0]), r2);
    BOOST_TEST(trace_entries(r2.ports[0]) ==
                   (strings{"0:101:Line 1: a1", "1:104:Line 2: b4", "2:105:Line 3: c5"}),
               boost::test_tools::per_element());
    for (const auto& t : r2.ports[0].traces) {
        BOOST_TEST(steps(*t.record) == (strings{"in/received//", "f/emit//", "count/emit//"}),
                   boost::test_tools::per_element());
        BOOST_TEST(durations_ok(*t.record));
    }
    // The compact route of /trace.
    BOOST_TEST(json::serialize(r2.ports[0].traces[0].record->to_json().at("route")) == R"(["in","f","count"])");
}

BOOST_AUTO_TEST_CASE(a_router_writes_a_route_step_tagged_with_the_port_route) {
    harness h;
    h.ports[{"routes", "error"}] = 0;
    h.ports[{"default", ""}] = 1;
    auto router = h.make("tag_router", R"({"routes":{"error":"errors"},"default":"main"})");
    tag_id error = h.tags.intern("error"), info = h.tags.intern("info");
    line_batch in;
    in.append("e0", error);
    in.append("i1", info);
    in.append("e2", error);
    in.append("i3", info);
    in.append("e4", error);
    for (std::uint32_t i : {1u, 2u, 4u}) in.traces.push_back({i, make_record(100 + i, in.text(i))});

    batch_runner runner(2, "router", {"error", "default"});
    batch_result r;
    runner.run(*router, in, r);
    BOOST_TEST(trace_entries(r.ports[0]) == (strings{"1:102:e2", "2:104:e4"}), boost::test_tools::per_element());
    BOOST_TEST(trace_entries(r.ports[1]) == (strings{"0:101:i1"}), boost::test_tools::per_element());
    for (const auto& t : r.ports[0].traces)
        BOOST_TEST(steps(*t.record) == (strings{"in/received//", "router/route/error/"}),
                   boost::test_tools::per_element());
    BOOST_TEST_REQUIRE(r.ports[1].traces.size() == 1u);
    BOOST_TEST(steps(*r.ports[1].traces[0].record) == (strings{"in/received//", "router/route/default/"}),
               boost::test_tools::per_element());
    BOOST_TEST(json::serialize(r.ports[0].traces[0].record->to_json().at("route")) == R"(["in","error"])");
    check_identity(r);
}

BOOST_AUTO_TEST_CASE(a_line_sent_to_several_ports_continues_as_one_trace_per_branch) {
    scripted p([](line_context& l, std::size_t) {
        l.emit(0);
        l.emit_text("copy:" + std::string(l.text()), 1);
    });
    auto in = traced_batch({"a", "b"}, {1});
    batch_runner runner(2, "fan", {"", "copies"});
    batch_result r;
    runner.run(p, in, r);
    BOOST_TEST(trace_entries(r.ports[0]) == (strings{"1:101:b"}), boost::test_tools::per_element());
    BOOST_TEST(trace_entries(r.ports[1]) == (strings{"1:101:copy:b"}), boost::test_tools::per_element());
    const auto& a = r.ports[0].traces.at(0).record;
    const auto& b = r.ports[1].traces.at(0).record;
    BOOST_TEST(a.get() != b.get());
    BOOST_TEST(steps(*a) == (strings{"in/received//", "fan/emit//"}), boost::test_tools::per_element());
    BOOST_TEST(steps(*b) == (strings{"in/received//", "fan/route/copies/"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_dropped_traced_line_finishes_with_a_drop_step) {
    harness h;
    auto filter = h.make("filter", R"({"pattern":"keep"})");
    auto in = traced_batch({"keep 0", "drop 1", "keep 2", "drop 3"}, {1, 2, 3});
    batch_runner runner(1, "only_keep");
    batch_result r;
    runner.run(*filter, in, r);
    BOOST_TEST(trace_entries(r.ports[0]) == (strings{"1:102:keep 2"}), boost::test_tools::per_element());
    BOOST_TEST_REQUIRE(r.finished_traces.size() == 2u);
    BOOST_TEST(r.finished_traces[0]->line_id == 101u);
    BOOST_TEST(r.finished_traces[1]->line_id == 103u);
    for (const auto& t : r.finished_traces) {
        BOOST_TEST(steps(*t) == (strings{"in/received//", "only_keep/drop//filtered"}), boost::test_tools::per_element());
        BOOST_TEST(t->outcome == "dropped");
        BOOST_TEST(t->outcome_detail == "filtered");
        BOOST_TEST(durations_ok(*t));
    }
    check_identity(r);
}

BOOST_AUTO_TEST_CASE(every_drop_reason_is_written_as_the_drop_detail) {
    harness h;
    // No route and no default: dropped as no_route.
    h.ports[{"routes", "error"}] = 0;
    auto router = h.make("tag_router", R"({"routes":{"error":"errors"}})");
    auto in = traced_batch({"untagged"}, {0});
    batch_runner runner(1, "router", {"error"});
    batch_result r;
    runner.run(*router, in, r);
    BOOST_TEST_REQUIRE(r.finished_traces.size() == 1u);
    BOOST_TEST(steps(*r.finished_traces[0]) == (strings{"in/received//", "router/drop//no_route"}),
               boost::test_tools::per_element());
    BOOST_TEST(r.finished_traces[0]->outcome_detail == "no_route");

    // A processor that decides nothing: dropped as no_output.
    scripted silent([](line_context&, std::size_t) {});
    batch_runner runner2(1, "silent");
    runner2.run(silent, traced_batch({"x"}, {0}), r);
    BOOST_TEST_REQUIRE(r.finished_traces.size() == 1u);
    BOOST_TEST(steps(*r.finished_traces[0]) == (strings{"in/received//", "silent/drop//no_output"}),
               boost::test_tools::per_element());
    BOOST_TEST(r.finished_traces[0]->outcome == "dropped");
}

BOOST_AUTO_TEST_CASE(a_failed_traced_line_carries_its_record_with_an_error_step) {
    harness h;
    auto fault = h.make("fault", R"({"pattern":"bad","message":"boom","error_type":"injected"})");
    auto in = traced_batch({"bad 0", "ok 1", "bad 2", "bad 3"}, {1, 2});
    batch_runner runner(1, "faulty");
    batch_result r;
    runner.run(*fault, in, r);
    BOOST_TEST_REQUIRE(r.failures.size() == 3u);
    BOOST_TEST(r.failures[0].line == "bad 0");
    BOOST_TEST(r.failures[0].trace == nullptr);  // not sampled
    BOOST_TEST(r.failures[1].line == "bad 2");
    BOOST_TEST_REQUIRE(r.failures[1].trace != nullptr);
    BOOST_TEST(r.failures[1].trace->line_id == 102u);
    BOOST_TEST(steps(*r.failures[1].trace) == (strings{"in/received//", "faulty/error//boom"}),
               boost::test_tools::per_element());
    BOOST_TEST(durations_ok(*r.failures[1].trace));
    BOOST_TEST(r.failures[2].trace == nullptr);
    BOOST_TEST(r.failures[1].message == "boom");
    BOOST_TEST(r.failures[1].error_type == "injected");
    // The failed line is neither emitted nor finished here (the stage decides: retry or error).
    BOOST_TEST(trace_entries(r.ports[0]) == (strings{"0:101:ok 1"}), boost::test_tools::per_element());
    BOOST_TEST(r.finished_traces.empty());
    check_identity(r);
}

BOOST_AUTO_TEST_CASE(a_throwing_processor_writes_the_exception_message_as_the_error_detail) {
    scripted p([](line_context& l, std::size_t i) {
        if (i == 1) throw std::runtime_error("parse failed at byte 3");
        l.emit();
    });
    auto in = traced_batch({"a", "b", "c"}, {1, 2});
    batch_runner runner(1, "parser");
    batch_result r;
    runner.run(p, in, r);
    BOOST_TEST_REQUIRE(r.failures.size() == 1u);
    BOOST_TEST_REQUIRE(r.failures[0].trace != nullptr);
    BOOST_TEST(steps(*r.failures[0].trace) == (strings{"in/received//", "parser/error//parse failed at byte 3"}),
               boost::test_tools::per_element());
    BOOST_TEST(trace_entries(r.ports[0]) == (strings{"1:102:c"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(untraced_lines_produce_no_trace_entries) {
    harness h;
    h.ports[{"routes", "error"}] = 0;
    h.ports[{"default", ""}] = 1;
    tag_id error = h.tags.intern("error");
    auto tagger = h.make("tagger");
    auto filter = h.make("filter", R"({"pattern":"keep"})");
    auto fault = h.make("fault", R"({"pattern":"bad"})");
    auto counter = h.make("line_counter");
    auto router = h.make("tag_router", R"({"routes":{"error":"errors"},"default":"main"})");
    strings lines{"keep bad", "keep", "drop", "bad ERROR"};

    batch_runner one(1, "s");
    batch_result r;
    for (auto* p : {tagger.get(), filter.get(), fault.get(), counter.get()}) {
        one.run(*p, traced_batch(lines, {}), r);
        BOOST_TEST(no_trace_anywhere(r));
        check_identity(r);
    }
    batch_runner two(2, "router", {"error", "default"});
    two.run(*router, traced_batch(lines, {}, error), r);
    BOOST_TEST(r.ports[0].size() == 4u);
    BOOST_TEST(no_trace_anywhere(r));
}

BOOST_AUTO_TEST_CASE(a_second_run_starts_with_no_traces_from_the_first) {
    harness h;
    auto filter = h.make("filter", R"({"pattern":"keep"})");
    batch_runner runner(1, "f");
    batch_result r;
    runner.run(*filter, traced_batch({"keep", "drop"}, {0, 1}), r);
    BOOST_TEST(r.ports[0].traces.size() == 1u);
    BOOST_TEST(r.finished_traces.size() == 1u);
    runner.run(*filter, traced_batch({"keep", "drop"}, {}), r);
    BOOST_TEST(no_trace_anywhere(r));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(line_batch_trace_tests)

BOOST_AUTO_TEST_CASE(branch_clones_the_trace_records) {
    auto original = traced_batch({"a", "b", "c"}, {0, 2});
    auto copy = original.branch();
    BOOST_TEST(copy.bytes.get() == original.bytes.get());  // bytes shared
    BOOST_TEST_REQUIRE(copy.size() == 3u);
    BOOST_TEST(copy.text(2) == "c");
    BOOST_TEST_REQUIRE(copy.traces.size() == 2u);
    for (std::size_t k = 0; k < 2; ++k) {
        BOOST_TEST(copy.traces[k].index == original.traces[k].index);
        BOOST_TEST(copy.traces[k].record.get() != original.traces[k].record.get());
        BOOST_TEST(copy.traces[k].record->line_id == original.traces[k].record->line_id);
        BOOST_TEST(copy.traces[k].record->original_content() == original.traces[k].record->original_content());
        BOOST_TEST(steps(*copy.traces[k].record) == steps(*original.traces[k].record), boost::test_tools::per_element());
    }
    copy.traces[0].record->add("branch_stage", "emit");
    copy.traces[1].record->outcome = "sink_b";
    BOOST_TEST(steps(*original.traces[0].record) == (strings{"in/received//"}), boost::test_tools::per_element());
    BOOST_TEST(steps(*copy.traces[0].record) == (strings{"in/received//", "branch_stage/emit//"}),
               boost::test_tools::per_element());
    BOOST_TEST(original.traces[1].record->outcome.empty());
    BOOST_TEST(!original.end_of_stream);
    BOOST_TEST(line_batch::eos().branch().end_of_stream);
}

BOOST_AUTO_TEST_SUITE_END()
