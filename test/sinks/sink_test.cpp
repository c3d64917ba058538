// The sink node with the file, null and stdout types' descriptors: what it writes, how it
// ends, what it counts, and where lines go that it cannot write.
#include "sightline/sinks/writer_sink.hpp"

#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "sightline/app/component_registry.hpp"
#include "sightline/app/config_file.hpp"
#include "../support/test_support.hpp"

using namespace sightline;
using sightline::test::batch_of;
using sightline::test::capture;
using sightline::test::feed;
using sightline::test::read_file;
using sightline::test::run_until;
using sightline::test::temp_dir;
using strings = std::vector<std::string>;

namespace {

std::shared_ptr<sink> make(net::io_context& ioc, const std::string& type, boost::json::object params = {}) {
    return find_sink_type(type)->create(ioc, make_component("sink", type, "out", std::move(params)));
}

/// Starts `s`, feeds it `batches` from one producer and runs until it has flushed and ended.
bool run_sink(net::io_context& ioc, const std::shared_ptr<sink>& s, std::vector<line_batch> batches) {
    bool done = false;
    s->add_producer();
    s->start([&] { done = true; });
    net::co_spawn(ioc, feed(s.get(), std::move(batches)), log_exit("test", "feed"));
    return run_until(ioc, [&] { return done; });
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sink_tests)

BOOST_AUTO_TEST_CASE(file_sink_appends_every_line_and_flushes_before_it_ends) {
    temp_dir d;
    auto path = d.file("sub/out.log");
    net::io_context ioc;
    auto s = make(ioc, "file", {{"path", path}, {"mkdir", true}, {"flush_interval_ms", 60000}});
    BOOST_REQUIRE(run_sink(ioc, s, {batch_of({"a", "bb"}), batch_of({"ccc"})}));
    BOOST_TEST(read_file(path) == "a\nbb\nccc\n");  // flushed at the end, not by the (long) interval
    auto st = s->stats();
    BOOST_TEST(st.type == "file");
    BOOST_TEST(st.lines == 3u);
    BOOST_TEST(st.bytes == 9u);  // newlines included
    BOOST_TEST(st.errors == 0u);
    BOOST_TEST(st.flushes >= 1u);
    BOOST_TEST(st.path.value_or("") == path);
    BOOST_TEST(st.disk_free_bytes.value_or(0) > 0u);
}

BOOST_AUTO_TEST_CASE(null_sink_counts_and_discards) {
    net::io_context ioc;
    auto s = make(ioc, "null");
    BOOST_REQUIRE(run_sink(ioc, s, {batch_of({"x", "y"}), batch_of({}), batch_of({"z"})}));
    auto st = s->stats();
    BOOST_TEST(st.lines == 3u);
    BOOST_TEST(!st.path.has_value());
    BOOST_TEST(!st.disk_free_bytes.has_value());
}

BOOST_AUTO_TEST_CASE(lines_a_sink_cannot_write_go_to_the_dead_letter_with_the_sink_as_stage) {
    net::io_context ioc;
    auto s = make(ioc, "file", {{"path", "/dev/full"}, {"buffer_bytes", 4096}});
    auto dead = std::make_shared<capture>(ioc);
    s->set_dead_letter(dead.get());
    dead->start();
    BOOST_REQUIRE(run_sink(ioc, s, {batch_of({"lost1", "lost2"})}));
    BOOST_REQUIRE(run_until(ioc, [&] { return dead->ended(); }));
    auto records = dead->lines();
    BOOST_TEST_REQUIRE(records.size() == 2u);
    for (std::size_t i = 0; i < 2; ++i) {
        auto r = boost::json::parse(records[i]).as_object();
        BOOST_TEST(r.at("stage").as_string() == "out");
        BOOST_TEST(r.at("error_type").as_string() == "sink_write");
        BOOST_TEST(r.at("line").as_string() == "lost" + std::to_string(i + 1));
        BOOST_TEST(std::string(r.at("error").as_string()).find("write failed") == 0u);
    }
    auto st = s->stats();
    BOOST_TEST(st.errors == 2u);
    BOOST_TEST(st.lines == 0u);  // in the dead letter, not written
}

BOOST_AUTO_TEST_CASE(a_traced_line_whose_write_failed_ends_in_error_with_its_line_id_in_the_dead_letter) {
    // Issue 18, defect 8: the trace's outcome was the sink, the record had no line_id.
    net::io_context ioc;
    auto s = make(ioc, "file", {{"path", "/dev/full"}, {"buffer_bytes", 4096}});
    auto dead = std::make_shared<capture>(ioc);
    trace_store traces(10);
    s->set_observers(&traces, nullptr);
    s->set_dead_letter(dead.get());
    dead->start();
    auto batch = batch_of({"lost1", "lost2"});
    batch.lines[0].line_id = 71;
    batch.lines[1].line_id = 72;
    auto record = make_trace_record();
    record->line_id = 72;
    record->add("in", "received");
    batch.traces.push_back({1, record});
    BOOST_REQUIRE(run_sink(ioc, s, {std::move(batch)}));
    BOOST_REQUIRE(run_until(ioc, [&] { return dead->ended(); }));
    auto records = dead->lines();
    BOOST_TEST_REQUIRE(records.size() == 2u);
    BOOST_TEST(boost::json::parse(records[0]).as_object().at("line_id").as_string() == "71");
    BOOST_TEST(boost::json::parse(records[1]).as_object().at("line_id").as_string() == "72");
    auto t = traces.find(72);
    BOOST_REQUIRE(t != nullptr);
    BOOST_TEST(t->outcome == "error");
    BOOST_TEST(t->outcome_detail.find("write failed") == 0u);
    BOOST_REQUIRE(t->path.size() == 3u);
    BOOST_TEST(t->path[1].status == "sink");
    BOOST_TEST(t->path[2].status == "error");
}

BOOST_AUTO_TEST_CASE(a_traced_line_written_ends_with_the_sink_once_its_bytes_left_the_buffer) {
    temp_dir d;
    net::io_context ioc;
    auto s = make(ioc, "file", {{"path", d.file("out.log")}, {"flush_interval_ms", 60000}});
    trace_store traces(10);
    s->set_observers(&traces, nullptr);
    auto batch = batch_of({"kept"});
    auto record = make_trace_record();
    record->line_id = 5;
    batch.traces.push_back({0, record});
    BOOST_REQUIRE(run_sink(ioc, s, {std::move(batch)}));
    auto t = traces.find(5);
    BOOST_REQUIRE(t != nullptr);
    BOOST_TEST(t->outcome == "out");
    BOOST_TEST(read_file(d.file("out.log")) == "kept\n");
}

BOOST_AUTO_TEST_CASE(an_output_that_cannot_be_opened_fails_at_construction_naming_it) {
    net::io_context ioc;
    BOOST_CHECK_EXCEPTION(make(ioc, "file", {{"path", "/nonexistent-dir/out.log"}}), std::runtime_error,
                          [](const std::runtime_error& e) {
                              return std::string(e.what()).find("/nonexistent-dir/out.log") != std::string::npos;
                          });
}

BOOST_AUTO_TEST_SUITE_END()
