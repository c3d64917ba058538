#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "sightline/app/config_file.hpp"
#include "../support/config_support.hpp"
#include "sightline/pipeline/batch_consumer.hpp"
#include "sightline/app/pipeline.hpp"

#include "sightline/observe/stats_json.hpp"
#include "../support/test_support.hpp"

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace sightline;

namespace {

using sightline::test::temp_dir;

using sightline::test::read_file;

pipeline_config parse(const std::string& text) { return sightline::test::parse_valid_config(text); }

/// Runs a pipeline to completion on `threads` threads (watchdog: 20 s).
json::object run_to_end(pipeline_config cfg, unsigned threads = 2) {
    net::io_context ioc;
    pipeline p(ioc, std::move(cfg));
    bool drained = false;
    p.start([&] {
        drained = true;
        ioc.stop();
    });
    std::vector<std::thread> pool;
    for (unsigned i = 1; i < threads; ++i) pool.emplace_back([&] { ioc.run_for(std::chrono::seconds(20)); });
    ioc.run_for(std::chrono::seconds(20));
    for (auto& t : pool) t.join();
    BOOST_TEST_REQUIRE(drained);
    return sightline::to_json(p.collect());  // the /stats document, as --save-metrics writes it
}

std::uint64_t num(const json::object& stats, const char* group, const char* id, const char* field) {
    return stats.at(group).as_object().at(id).as_object().at(field).to_number<std::uint64_t>();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(pipeline_tests)

BOOST_AUTO_TEST_CASE(drains_every_stage_and_flushes_every_sink_at_end_of_input) {
    temp_dir d;
    std::string input;
    for (int i = 0; i < 50000; ++i) input += (i % 3 == 0 ? "ERROR e" : "INFO i") + std::to_string(i) + "\n";
    std::ofstream(d.file("in.log")) << input;
    auto cfg = parse(R"({"sources":[{"type":"file","id":"in","path":")" + d.file("in.log") +
                     R"(","read_chunk_bytes":4096}],
        "processors":[{"type":"tagger","id":"t"},
                      {"type":"tag_router","id":"r","routes":{"error":"e"},"default":"rest"}],
        "sinks":[{"type":"file","id":"e","path":")" + d.file("e.log") + R"(","flush_interval_ms":100000},
                 {"type":"file","id":"rest","path":")" + d.file("rest.log") + R"(","flush_interval_ms":100000}]})");
    auto stats = run_to_end(std::move(cfg));
    // The flush interval is far away: only the drain can have flushed these.
    auto e = read_file(d.file("e.log"));
    auto rest = read_file(d.file("rest.log"));
    BOOST_TEST(std::count(e.begin(), e.end(), '\n') == 16667);
    BOOST_TEST(std::count(rest.begin(), rest.end(), '\n') == 33333);
    BOOST_TEST(e.substr(0, 9) == "ERROR e0\n");
    BOOST_TEST(num(stats, "sinks", "e", "lines") == 16667u);
    BOOST_TEST(num(stats, "processors", "t", "lines_in") == 50000u);
    BOOST_TEST(num(stats, "processors", "r", "in_flight") == 0u);
    BOOST_TEST(num(stats, "processors", "t", "batches") > 1u);  // small chunks: many batches
}

BOOST_AUTO_TEST_CASE(fan_out_delivers_every_line_to_each_target) {
    temp_dir d;
    std::ofstream(d.file("in.log")) << "a\nb\nc\n";
    auto cfg = parse(R"({"sources":[{"type":"file","id":"in","path":")" + d.file("in.log") + R"("}],
        "processors":[{"type":"uppercase","id":"up","next":["one","two"]}],
        "sinks":[{"type":"file","id":"one","path":")" + d.file("one.log") + R"("},
                 {"type":"file","id":"two","path":")" + d.file("two.log") + R"("}]})");
    auto stats = run_to_end(std::move(cfg));
    BOOST_TEST(read_file(d.file("one.log")) == "A\nB\nC\n");
    BOOST_TEST(read_file(d.file("two.log")) == "A\nB\nC\n");
    BOOST_TEST(num(stats, "processors", "up", "lines_out") == 3u);  // lines, not deliveries
}

BOOST_AUTO_TEST_CASE(routes_of_several_values_to_one_sink_end_its_stream_once) {
    // Regression: each route to the same sink counted as a producer, but the router
    // ends its stream once per target, so the sink waited for ever at shutdown.
    temp_dir d;
    std::ofstream(d.file("in.log")) << "{\"severity\":\"err\"}\n{\"severity\":\"crit\"}\n{\"severity\":\"info\"}\n";
    auto cfg = parse(R"({"sources":[{"type":"file","id":"in","path":")" + d.file("in.log") + R"("}],
        "processors":[{"type":"parse_json","id":"j"},
                      {"type":"tag_router","id":"r","field":"severity","routes":{"err":"bad","crit":"bad"},"default":"ok"}],
        "sinks":[{"type":"file","id":"bad","path":")" + d.file("bad.log") + R"(","format":"json"},
                 {"type":"file","id":"ok","path":")" + d.file("ok.log") + R"("}]})");
    auto stats = run_to_end(std::move(cfg));
    BOOST_TEST(read_file(d.file("bad.log")) ==
               R"({"severity":"err","message":"{\"severity\":\"err\"}"})" "\n"
               R"({"severity":"crit","message":"{\"severity\":\"crit\"}"})" "\n");
    BOOST_TEST(read_file(d.file("ok.log")) == "{\"severity\":\"info\"}\n");
    BOOST_TEST(num(stats, "sinks", "bad", "lines") == 2u);
}

BOOST_AUTO_TEST_CASE(failed_lines_go_to_dead_letter_with_stage_and_message) {
    temp_dir d;
    std::ofstream(d.file("in.log")) << "ok 1\nbad 2\nok 3\nbad 4\n";
    auto cfg = parse(R"({"sources":[{"type":"file","id":"in","path":")" + d.file("in.log") + R"("}],
        "processors":[{"type":"fault","id":"f","pattern":"bad","message":"no good","error_type":"demo"}],
        "sinks":[{"type":"file","id":"out","path":")" + d.file("out.log") + R"("}],
        "dead_letter":{"path":")" + d.file("dead.jsonl") + R"("}})");
    auto stats = run_to_end(std::move(cfg), 1);
    BOOST_TEST(read_file(d.file("out.log")) == "ok 1\nok 3\n");
    std::istringstream dead(read_file(d.file("dead.jsonl")));
    std::string line;
    std::vector<std::string> lines;
    while (std::getline(dead, line)) {
        auto rec = json::parse(line).as_object();
        BOOST_TEST(rec.at("stage").as_string() == "f");
        BOOST_TEST(rec.at("error").as_string() == "no good");
        BOOST_TEST(rec.at("error_type").as_string() == "demo");
        BOOST_TEST(rec.at("timestamp").as_string().size() == 27u);
        lines.emplace_back(rec.at("line").as_string());
    }
    BOOST_TEST((lines == std::vector<std::string>{"bad 2", "bad 4"}));
    BOOST_TEST(num(stats, "processors", "f", "errors") == 2u);
    BOOST_TEST(num(stats, "sinks", "dead_letter", "lines") == 2u);
}

namespace {
/// A consumer that never reads: the hand-off fills and senders must wait.
struct stalled_consumer : batch_consumer {
    using batch_consumer::batch_consumer;
    net::awaitable<std::optional<line_batch>> take() { return next_batch(); }
};

net::awaitable<void> send_many(stalled_consumer& c, int n, int& sent) {
    for (int i = 0; i < n; ++i) {
        line_batch b;
        b.append("x");
        co_await c.send(std::move(b));
        ++sent;
    }
}

net::awaitable<void> take_all(stalled_consumer& c, int& taken) {
    while (auto b = co_await c.take()) ++taken;
}
}  // namespace

BOOST_AUTO_TEST_CASE(full_handoff_suspends_the_producer_until_the_consumer_reads) {
    net::io_context ioc;
    stalled_consumer c(ioc.get_executor(), "slow", 4);
    c.add_producer();
    int sent = 0;
    net::co_spawn(ioc, send_many(c, 10, sent), net::detached);
    ioc.run_for(std::chrono::milliseconds(100));
    // Bounded: exactly the capacity went in, the producer waits for the rest.
    BOOST_TEST(sent == 4);
    BOOST_TEST(c.queued() == 5u);  // four buffered and one waiting to get in
    int taken = 0;
    net::co_spawn(ioc, take_all(c, taken), net::detached);
    ioc.restart();
    ioc.run_for(std::chrono::milliseconds(100));
    BOOST_TEST(sent == 10);
    BOOST_TEST(taken == 10);
}

BOOST_AUTO_TEST_CASE(output_file_that_cannot_be_opened_fails_construction_naming_it) {
    temp_dir d;
    std::ofstream(d.file("in.log")) << "a\n";
    auto cfg = parse(R"({"sources":[{"type":"file","id":"in","path":")" + d.file("in.log") + R"("}],
        "processors":[{"type":"uppercase"}],
        "sinks":[{"type":"file","id":"out","path":")" + d.file("missing/dir/out.log") + R"("}]})");
    net::io_context ioc;
    try {
        pipeline p(ioc, std::move(cfg));
        BOOST_FAIL("constructed a pipeline whose sink cannot be opened");
    } catch (const std::runtime_error& e) {
        BOOST_TEST(std::string(e.what()).find(d.file("missing/dir/out.log")) != std::string::npos);
    }
}

BOOST_AUTO_TEST_SUITE_END()
