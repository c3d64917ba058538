// pipeline::reload in process: a stage built the same way is the same object afterwards
// (its counters go on), a changed sink is replaced while the stage feeds it, an invalid
// configuration changes nothing, and a stopping pipeline takes no reload.
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <thread>

#include "sightline/app/config_file.hpp"
#include "../support/config_support.hpp"
#include "sightline/app/pipeline.hpp"
#include "../support/test_support.hpp"

using namespace sightline;
using sightline::test::temp_dir;

namespace {

pipeline_config parse(const std::string& text) { return sightline::test::parse_valid_config(text); }

std::string config(const temp_dir& d, const std::string& out, const std::string& pattern) {
    auto p = [&](const char* name) { return (d.path / name).string(); };
    return R"({"sources": [{"type": "file", "id": "in", "path": ")" + p("in.log") +
           R"(", "follow": true, "poll_interval_ms": 10}],
      "processors": [{"type": "uppercase", "id": "up"}, {"type": "filter", "id": "keep", "pattern": ")" + pattern +
           R"("}],
      "sinks": [{"type": "file", "id": "out", "path": ")" + p(out.c_str()) + R"(", "flush_interval_ms": 10}]})";
}

std::size_t lines_in(const std::filesystem::path& f) {
    std::ifstream in(f);
    std::size_t n = 0;
    for (std::string l; std::getline(in, l);) ++n;
    return n;
}

bool wait_for(const std::function<bool()>& done) {
    for (int i = 0; i < 500; ++i) {
        if (done()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return done();
}

/// A pipeline running on two threads until the test ends.
struct running_pipeline {
    net::io_context ioc;
    std::unique_ptr<pipeline> p;
    std::vector<std::thread> threads;
    std::atomic<bool> drained{false};
    explicit running_pipeline(pipeline_config cfg) : p(std::make_unique<pipeline>(ioc, std::move(cfg))) {
        p->start([this] { drained = true; });
        for (int i = 0; i < 2; ++i) threads.emplace_back([this] { ioc.run_for(std::chrono::seconds(30)); });
    }
    ~running_pipeline() {
        p->stop_sources();
        wait_for([this] { return drained.load(); });
        ioc.stop();
        for (auto& t : threads) t.join();
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(pipeline_reload_tests)

BOOST_AUTO_TEST_CASE(kept_stages_keep_their_counters_and_a_changed_sink_is_replaced) {
    temp_dir d;
    std::ofstream(d.path / "in.log") << "a x\nb x\nc\n";
    running_pipeline r(parse(config(d, "one.log", "X")));
    BOOST_REQUIRE(wait_for([&] { return lines_in(d.path / "one.log") == 2; }));

    auto result = r.p->reload(parse(config(d, "two.log", "X")));
    BOOST_TEST_REQUIRE((result.result == reload_result::outcome::applied), result.error);
    BOOST_TEST(result.changes.changed.size() == 1u);
    BOOST_TEST(result.changes.changed[0].id == "out");
    BOOST_TEST(result.changes.rewired.size() == 1u);  // keep feeds the new sink
    BOOST_TEST(result.changes.rewired[0].id == "keep");

    std::ofstream(d.path / "in.log", std::ios::app) << "d x\ne\n";
    BOOST_REQUIRE(wait_for([&] { return lines_in(d.path / "two.log") == 1; }));
    BOOST_TEST(lines_in(d.path / "one.log") == 2u);
    pipeline_stats s;
    BOOST_REQUIRE(wait_for([&] {
        s = r.p->collect();
        const auto* out = s.find_sink("out");
        return out && out->lines == 3;
    }));
    // The same stage objects: their counters went on from before the reload.
    BOOST_TEST(s.find_stage("up")->lines_in == 5u);
    BOOST_TEST(s.find_stage("keep")->lines_out == 3u);
    BOOST_TEST(s.find_stage("keep")->dropped == 2u);
    BOOST_TEST(s.system.reloads_applied == 1u);
}

BOOST_AUTO_TEST_CASE(an_invalid_configuration_changes_nothing) {
    temp_dir d;
    std::ofstream(d.path / "in.log") << "a x\n";
    running_pipeline r(parse(config(d, "one.log", "X")));
    auto bad = parse(config(d, "two.log", "X"));
    bad.processors[1].next = std::vector<std::string>{"nowhere"};
    auto result = r.p->reload(std::move(bad));
    BOOST_TEST((result.result == reload_result::outcome::invalid));
    BOOST_REQUIRE(!result.found.empty());
    BOOST_TEST(result.found.path(0).rfind("processors[1]", 0) == 0u, result.found.items().front());
    auto j = result.to_json();
    BOOST_TEST(j.at("result").as_string() == "invalid");
    BOOST_TEST(j.at("problems").as_array().size() == result.found.size());
    std::ofstream(d.path / "in.log", std::ios::app) << "b x\n";
    BOOST_REQUIRE(wait_for([&] { return lines_in(d.path / "one.log") == 2; }));
    BOOST_TEST(!std::filesystem::exists(d.path / "two.log"));
    auto s = r.p->collect();
    BOOST_TEST(s.system.reloads_failed == 1u);
    BOOST_TEST(s.system.reload_problems.size() == result.found.size());
}

BOOST_AUTO_TEST_CASE(a_stopping_pipeline_refuses_a_reload) {
    temp_dir d;
    std::ofstream(d.path / "in.log") << "a x\n";
    running_pipeline r(parse(config(d, "one.log", "X")));
    r.p->stop_sources();
    auto result = r.p->reload(parse(config(d, "two.log", "X")));
    BOOST_TEST((result.result == reload_result::outcome::refused));
    BOOST_TEST(result.error == "the pipeline is stopping");
}

BOOST_AUTO_TEST_SUITE_END()
