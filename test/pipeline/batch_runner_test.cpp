#include "sightline/pipeline/batch_runner.hpp"

#include <boost/test/unit_test.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sightline/core/problems.hpp"
#include "sightline/core/tag_table.hpp"
#include "sightline/processors/registry.hpp"

using sightline::batch_result;
using sightline::batch_runner;
using sightline::drop_reason;
using sightline::line_batch;
using sightline::line_context;
using sightline::processor;

namespace {

using strings = std::vector<std::string>;

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

line_batch make_batch(const strings& lines) {
    line_batch b;
    for (const auto& l : lines) b.append(l);
    return b;
}

strings texts(const line_batch& b) {
    strings out;
    for (std::size_t i = 0; i < b.size(); ++i) out.emplace_back(b.text(i));
    return out;
}

void check_identity(const batch_result& r) {
    BOOST_TEST(r.lines_in == r.lines_out + r.dropped_total() + r.errors);
}

std::uint64_t dropped(const batch_result& r, drop_reason why) { return r.dropped[static_cast<std::size_t>(why)]; }

}  // namespace

BOOST_AUTO_TEST_SUITE(batch_runner_tests)

BOOST_AUTO_TEST_CASE(unchanged_lines_share_the_input_buffer) {
    scripted p([](line_context& l, std::size_t) { l.emit(); });
    auto in = make_batch({"alpha", "", "gamma"});
    batch_runner runner(1);
    batch_result r;
    runner.run(p, in, r);
    BOOST_TEST_REQUIRE(r.ports.size() == 1u);
    BOOST_TEST(r.ports[0].bytes.get() == in.bytes.get());
    BOOST_TEST(texts(r.ports[0]) == (strings{"alpha", "", "gamma"}), boost::test_tools::per_element());
    BOOST_TEST(r.ports[0].lines[2].offset == in.lines[2].offset);
    BOOST_TEST(r.lines_in == 3u);
    BOOST_TEST(r.lines_out == 3u);
    BOOST_TEST(r.errors == 0u);
    BOOST_TEST(r.dropped_total() == 0u);
    check_identity(r);
}

BOOST_AUTO_TEST_CASE(emit_text_gives_the_port_its_own_buffer) {
    scripted p([](line_context& l, std::size_t) { l.emit_text("<" + std::string(l.text()) + ">"); });
    auto in = make_batch({"a", "bc"});
    batch_runner runner(1);
    batch_result r;
    runner.run(p, in, r);
    BOOST_TEST_REQUIRE(r.ports[0].bytes != nullptr);
    BOOST_TEST(r.ports[0].bytes.get() != in.bytes.get());
    BOOST_TEST(*r.ports[0].bytes == "<a><bc>");
    BOOST_TEST(texts(r.ports[0]) == (strings{"<a>", "<bc>"}), boost::test_tools::per_element());
    BOOST_TEST(*in.bytes == "abc");  // the input is untouched
    BOOST_TEST(r.lines_out == 2u);
    check_identity(r);
}

BOOST_AUTO_TEST_CASE(mixing_emit_and_emit_text_keeps_order_contents_and_tags) {
    sightline::tag_table tags;
    auto t = tags.intern("t");
    scripted p([t](line_context& l, std::size_t i) {
        switch (i) {
        case 0: l.emit(); break;
        case 1: l.set_tag(t); l.emit_text("two!"); break;
        case 2: l.emit(); break;
        case 3: l.drop(drop_reason::filtered); break;
        case 4: l.emit_text(""); break;
        default: l.set_tag(t); l.emit(); break;
        }
    });
    auto in = make_batch({"one", "two", "three", "four", "five", "six"});
    batch_runner runner(1);
    batch_result r;
    runner.run(p, in, r);
    const auto& out = r.ports[0];
    BOOST_TEST(texts(out) == (strings{"one", "two!", "three", "", "six"}), boost::test_tools::per_element());
    BOOST_TEST_REQUIRE(out.lines.size() == 5u);
    BOOST_TEST(out.lines[0].tag == 0u);
    BOOST_TEST(out.lines[1].tag == t);
    BOOST_TEST(out.lines[2].tag == 0u);
    BOOST_TEST(out.lines[4].tag == t);
    BOOST_TEST(out.bytes.get() != in.bytes.get());
    BOOST_TEST(*out.bytes == "onetwo!threesix");
    BOOST_TEST(r.lines_out == 5u);
    BOOST_TEST(dropped(r, drop_reason::filtered) == 1u);
    check_identity(r);
}

BOOST_AUTO_TEST_CASE(ports_that_got_no_line_have_no_buffer) {
    scripted p([](line_context& l, std::size_t) { l.emit(1); });
    auto in = make_batch({"a", "b"});
    batch_runner runner(3);
    batch_result r;
    runner.run(p, in, r);
    BOOST_TEST_REQUIRE(r.ports.size() == 3u);
    BOOST_TEST(r.ports[0].bytes == nullptr);
    BOOST_TEST(r.ports[0].lines.empty());
    BOOST_TEST(r.ports[2].bytes == nullptr);
    BOOST_TEST(r.ports[1].bytes.get() == in.bytes.get());
    BOOST_TEST(texts(r.ports[1]) == (strings{"a", "b"}), boost::test_tools::per_element());
    // Only the caller and the one used port hold the input buffer.
    BOOST_TEST(in.bytes.use_count() == 2);
}

BOOST_AUTO_TEST_CASE(a_line_sent_to_several_ports_counts_once) {
    scripted p([](line_context& l, std::size_t) {
        l.emit(0);
        l.emit_text("copy:" + std::string(l.text()), 1);
        l.emit(0);
    });
    auto in = make_batch({"a", "b"});
    batch_runner runner(2);
    batch_result r;
    runner.run(p, in, r);
    BOOST_TEST(texts(r.ports[0]) == (strings{"a", "a", "b", "b"}), boost::test_tools::per_element());
    BOOST_TEST(texts(r.ports[1]) == (strings{"copy:a", "copy:b"}), boost::test_tools::per_element());
    BOOST_TEST(r.ports[0].bytes.get() == in.bytes.get());
    BOOST_TEST(r.lines_out == 2u);
    check_identity(r);
}

BOOST_AUTO_TEST_CASE(processor_without_an_outcome_counts_as_dropped_no_output) {
    scripted p([](line_context& l, std::size_t i) {
        if (i % 2 == 0) l.emit();
    });
    auto in = make_batch({"a", "b", "c", "d", "e"});
    batch_runner runner(1);
    batch_result r;
    runner.run(p, in, r);
    BOOST_TEST(texts(r.ports[0]) == (strings{"a", "c", "e"}), boost::test_tools::per_element());
    BOOST_TEST(dropped(r, drop_reason::no_output) == 2u);
    BOOST_TEST(r.dropped_total() == 2u);
    BOOST_TEST(r.lines_out == 3u);
    check_identity(r);
}

BOOST_AUTO_TEST_CASE(emit_to_an_out_of_range_port_becomes_a_failure) {
    scripted p([](line_context& l, std::size_t i) { l.emit(i == 1 ? 3 : 0); });
    auto in = make_batch({"ok", "bad", "fine"});
    batch_runner runner(2);
    batch_result r;
    runner.run(p, in, r);
    BOOST_TEST(texts(r.ports[0]) == (strings{"ok", "fine"}), boost::test_tools::per_element());
    BOOST_TEST_REQUIRE(r.failures.size() == 1u);
    BOOST_TEST(r.failures[0].line == "bad");
    BOOST_TEST(r.failures[0].message == "processor emitted to port 3");
    BOOST_TEST(r.failures[0].error_type == "exception");
    BOOST_TEST(r.errors == 1u);
    BOOST_TEST(r.lines_out == 2u);
    check_identity(r);

    scripted q([](line_context& l, std::size_t) { l.emit_text("x", 2); });
    runner.run(q, make_batch({"z"}), r);
    BOOST_TEST_REQUIRE(r.failures.size() == 1u);
    BOOST_TEST(r.failures[0].message == "processor emitted to port 2");
    BOOST_TEST(r.lines_out == 0u);
    check_identity(r);
}

BOOST_AUTO_TEST_CASE(only_the_first_outcome_of_a_line_counts) {
    scripted p([](line_context& l, std::size_t i) {
        switch (i) {
        case 0: l.drop(drop_reason::sampled); l.emit(); l.fail("late"); break;
        case 1: l.fail("first", "custom"); l.emit(); l.drop(drop_reason::filtered); break;
        case 2: l.emit(); l.drop(drop_reason::filtered); l.fail("late"); break;
        default: l.emit(); throw std::runtime_error("after emit");
        }
    });
    auto in = make_batch({"d", "f", "e", "t"});
    batch_runner runner(1);
    batch_result r;
    runner.run(p, in, r);
    BOOST_TEST(texts(r.ports[0]) == (strings{"e", "t"}), boost::test_tools::per_element());
    BOOST_TEST(dropped(r, drop_reason::sampled) == 1u);
    BOOST_TEST(dropped(r, drop_reason::filtered) == 0u);
    BOOST_TEST_REQUIRE(r.failures.size() == 1u);
    BOOST_TEST(r.failures[0].line == "f");
    BOOST_TEST(r.failures[0].message == "first");
    BOOST_TEST(r.failures[0].error_type == "custom");
    BOOST_TEST(r.lines_out == 2u);
    check_identity(r);
}

BOOST_AUTO_TEST_CASE(non_standard_exception_is_an_unknown_exception_failure) {
    scripted p([](line_context& l, std::size_t i) {
        if (i == 0) throw 42;
        l.emit();
    });
    batch_runner runner(1);
    batch_result r;
    runner.run(p, make_batch({"a", "b"}), r);
    BOOST_TEST_REQUIRE(r.failures.size() == 1u);
    BOOST_TEST(r.failures[0].line == "a");
    BOOST_TEST(r.failures[0].message == "unknown exception");
    BOOST_TEST(r.failures[0].error_type == "exception");
    check_identity(r);
}

BOOST_AUTO_TEST_CASE(run_resets_the_result_first) {
    scripted drop_all([](line_context& l, std::size_t) { l.drop(drop_reason::filtered); });
    scripted fail_all([](line_context& l, std::size_t) { l.fail("no"); });
    batch_runner runner(1);
    batch_result r;
    runner.run(fail_all, make_batch({"a", "b", "c"}), r);
    BOOST_TEST(r.errors == 3u);
    runner.run(drop_all, make_batch({"x"}), r);
    BOOST_TEST(r.lines_in == 1u);
    BOOST_TEST(r.errors == 0u);
    BOOST_TEST(r.failures.empty());
    BOOST_TEST(r.lines_out == 0u);
    BOOST_TEST(dropped(r, drop_reason::filtered) == 1u);
    BOOST_TEST(r.ports[0].bytes == nullptr);
    check_identity(r);
}

BOOST_AUTO_TEST_CASE(in_place_mutation_does_not_change_a_shared_buffer) {
    sightline::tag_table tags;
    sightline::problems found;
    sightline::build_context ctx{tags, [](std::string_view, std::string_view) { return std::optional<std::size_t>(); },
                                 "processors[0]", found};
    auto upper = sightline::find_processor_type("uppercase")->create({}, ctx);
    BOOST_REQUIRE(upper != nullptr);
    BOOST_TEST(upper->mutates_in_place());

    auto first = make_batch({"abc", "Def"});
    line_batch second;
    second.bytes = first.bytes;  // a second batch sharing the same bytes
    second.lines = first.lines;
    const auto* shared = first.bytes.get();

    batch_runner runner(1);
    batch_result r;
    runner.run(*upper, std::move(first), r);
    BOOST_TEST(texts(r.ports[0]) == (strings{"ABC", "DEF"}), boost::test_tools::per_element());
    BOOST_TEST(r.ports[0].bytes.get() != shared);
    BOOST_TEST(second.bytes.get() == shared);
    BOOST_TEST(*second.bytes == "abcDef");
    BOOST_TEST(texts(second) == (strings{"abc", "Def"}), boost::test_tools::per_element());

    // Passing a copy leaves the caller's batch alone too.
    batch_result r2;
    runner.run(*upper, second, r2);
    BOOST_TEST(texts(r2.ports[0]) == (strings{"ABC", "DEF"}), boost::test_tools::per_element());
    BOOST_TEST(*second.bytes == "abcDef");
}

BOOST_AUTO_TEST_CASE(empty_batch_gives_empty_ports_and_zero_counts) {
    scripted p([](line_context& l, std::size_t) { l.emit(); });
    batch_runner runner(2);
    batch_result r;
    runner.run(p, line_batch{}, r);
    BOOST_TEST(r.ports.size() == 2u);
    BOOST_TEST(r.ports[0].bytes == nullptr);
    BOOST_TEST(r.ports[1].bytes == nullptr);
    BOOST_TEST(r.lines_in == 0u);
    BOOST_TEST(r.lines_out == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
