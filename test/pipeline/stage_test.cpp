// One stage on a local io_context: it forwards what its processor emits, sends failures
// to the dead letter, and keeps the identity lines_in = out + dropped + errors + in_flight.
#include "sightline/pipeline/stage.hpp"

#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "sightline/processors/registry.hpp"
#include "../support/test_support.hpp"

using namespace sightline;
using sightline::test::batch_of;
using sightline::test::capture;
using sightline::test::feed;
using sightline::test::run_until;
using strings = std::vector<std::string>;

namespace {

std::unique_ptr<processor> make_processor(tag_table& tags, const std::string& type, boost::json::object given) {
    const auto* d = find_processor_type(type);
    BOOST_REQUIRE(d);
    problems found;
    build_context ctx{tags, [](std::string_view, std::string_view) { return std::optional<std::size_t>(0); }, "test",
                      found};
    auto p = d->create(effective_params(given, d->schema.params), ctx);
    BOOST_REQUIRE_MESSAGE(found.empty(), (found.empty() ? "" : found.items().front()));
    return p;
}

struct rig {
    net::io_context ioc;
    tag_table tags;
    std::shared_ptr<capture> out = std::make_shared<capture>(ioc);
    std::shared_ptr<capture> dead = std::make_shared<capture>(ioc);
    std::shared_ptr<stage> st;

    rig(const std::string& type, boost::json::object params) {
        stage_options o;
        o.id = "s";
        o.type = type;
        o.proc = make_processor(tags, type, std::move(params));
        o.port_routes = {""};
        st = std::make_shared<stage>(ioc, std::move(o));
        st->connect(0, out.get());
        st->set_dead_letter(dead.get());
        out->start();
        dead->start();
        st->start();
    }
    bool run(std::vector<line_batch> batches) {
        st->add_producer();
        net::co_spawn(ioc, test::feed(st.get(), std::move(batches)), log_exit("test", "feed"));
        return run_until(ioc, [&] { return out->ended() && dead->ended(); });
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(stage_tests)

BOOST_AUTO_TEST_CASE(a_stage_forwards_what_its_processor_emits_and_counts_it) {
    rig r("uppercase", {});
    BOOST_REQUIRE(r.run({batch_of({"a", "b"}), batch_of({"c"})}));
    BOOST_TEST(r.out->lines() == (strings{"A", "B", "C"}), boost::test_tools::per_element());
    BOOST_TEST(r.dead->lines().empty());
    auto s = r.st->stats();
    BOOST_TEST(s.id == "s");
    BOOST_TEST(s.type == "uppercase");
    BOOST_TEST(s.lines_in == 3u);
    BOOST_TEST(s.lines_out == 3u);
    BOOST_TEST(s.batches == 2u);
    BOOST_TEST(s.in_flight == 0u);
    BOOST_TEST(s.queue_capacity == batch_consumer::default_capacity);
    BOOST_TEST(!s.circuit.has_value());
}

BOOST_AUTO_TEST_CASE(drops_are_counted_by_reason) {
    rig r("filter", {{"pattern", "keep"}});
    BOOST_REQUIRE(r.run({batch_of({"keep 1", "no", "keep 2", "nope"})}));
    BOOST_TEST(r.out->lines() == (strings{"keep 1", "keep 2"}), boost::test_tools::per_element());
    auto s = r.st->stats();
    BOOST_TEST(s.dropped == 2u);
    BOOST_TEST(s.dropped_by_reason.at("filtered") == 2u);
    BOOST_TEST(s.lines_in == s.lines_out + s.dropped + s.errors + s.in_flight);
}

BOOST_AUTO_TEST_CASE(failed_lines_go_to_the_dead_letter_with_their_error) {
    rig r("fault", {{"pattern", "bad"}, {"message", "no good"}, {"error_type", "demo"}});
    BOOST_REQUIRE(r.run({batch_of({"ok 1", "bad 2", "ok 3", "bad 4"})}));
    BOOST_TEST(r.out->lines() == (strings{"ok 1", "ok 3"}), boost::test_tools::per_element());
    auto dead = r.dead->lines();
    BOOST_TEST_REQUIRE(dead.size() == 2u);
    auto rec = boost::json::parse(dead[1]).as_object();
    BOOST_TEST(rec.at("stage").as_string() == "s");
    BOOST_TEST(rec.at("error_type").as_string() == "demo");
    BOOST_TEST(rec.at("error").as_string() == "no good");
    BOOST_TEST(rec.at("line").as_string() == "bad 4");
    BOOST_TEST(!rec.contains("line_id"));  // not traced
    auto s = r.st->stats();
    BOOST_TEST(s.errors == 2u);
    BOOST_TEST(s.errors_by_type.at("demo") == 2u);
    BOOST_TEST(s.lines_in == s.lines_out + s.dropped + s.errors + s.in_flight);
    BOOST_TEST(r.st->producers() == 1u);
    BOOST_TEST(r.dead->producers() == 1u);  // set_dead_letter counted the stage
}

BOOST_AUTO_TEST_SUITE_END()
