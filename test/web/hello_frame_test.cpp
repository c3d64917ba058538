#include "sightline/web/hello_frame.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace json = boost::json;
using sightline::api_context;
using sightline::error_log;
using sightline::error_record;
using sightline::hello_frame;
using sightline::snapshot;
using sightline::trace_record;
using sightline::trace_store;

namespace {

const std::string pipeline_bytes = R"({"stages":[{"id":"tagger","kind":"stage","type":"tagger","params":{}}],"edges":[]})";
const std::string stats_frame_bytes = R"({"type":"stats","seq":5,"stats":{"system":{"total_lines":3}}})";

/// A context whose latest snapshot is seq 5 and has pushed traces through 3 and errors through 2.
api_context make_context(const trace_store* traces, const error_log* errors) {
    auto snap = std::make_shared<snapshot>();
    snap->seq = 5;
    snap->stats_frame = std::make_shared<const std::string>(stats_frame_bytes);
    snap->traces_through = 3;
    snap->errors_through = 2;
    api_context ctx;
    ctx.latest = [snap] { return snap; };
    ctx.pipeline_json = [doc = std::make_shared<const std::string>(pipeline_bytes)] { return doc; };
    ctx.push_interval = std::chrono::milliseconds(250);
    ctx.traces = traces;
    ctx.errors = errors;
    return ctx;
}

void add_traces(trace_store& store, std::uint64_t first, std::uint64_t last) {
    for (auto id = first; id <= last; ++id) {
        auto r = std::make_shared<trace_record>();
        r->line_id = id;
        r->source = "in";
        r->set_original("line " + std::to_string(id));
        r->outcome = "out";
        r->add("tagger", "emit");
        store.add({r});
    }
}

std::vector<std::string> field_of(const json::value& list, std::string_view key) {
    std::vector<std::string> out;
    for (const auto& item : list.as_array()) {
        const auto& v = item.as_object().at(key);
        out.push_back(v.is_string() ? std::string(v.as_string()) : json::serialize(v));
    }
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(hello_frame_tests)

BOOST_AUTO_TEST_CASE(carries_pipeline_snapshot_interval_and_seq) {
    auto ctx = make_context(nullptr, nullptr);
    auto v = json::parse(hello_frame(ctx)).as_object();
    BOOST_TEST(v.at("type") == json::value("hello"));
    BOOST_TEST(v.at("seq") == json::value(5));
    BOOST_TEST(v.at("push_interval_ms") == json::value(250));
    BOOST_TEST(v.at("pipeline") == json::parse(pipeline_bytes));
    BOOST_TEST(v.at("snapshot") == json::parse(stats_frame_bytes));
    // Tracing off and no error log: empty lists, never missing keys.
    BOOST_TEST(v.at("traces").as_array().empty());
    BOOST_TEST(v.at("errors").as_array().empty());
}

BOOST_AUTO_TEST_CASE(holds_only_items_the_snapshot_has_pushed_newest_first) {
    trace_store traces(100);
    add_traces(traces, 1, 4);  // the 4th finished after the snapshot: its push comes later
    error_log errors(100);
    for (int i = 1; i <= 3; ++i)
        errors.add({error_record::make("fault", "boom " + std::to_string(i), "fault", "<img src=x>", 0)});
    auto v = json::parse(hello_frame(make_context(&traces, &errors))).as_object();
    BOOST_TEST(field_of(v.at("traces"), "line_id") == (std::vector<std::string>{"3", "2", "1"}),
               boost::test_tools::per_element());
    BOOST_TEST(field_of(v.at("errors"), "message") == (std::vector<std::string>{"boom 2", "boom 1"}),
               boost::test_tools::per_element());
    BOOST_TEST(v.at("errors").as_array().front().as_object().at("line") == json::value("<img src=x>"));
}

BOOST_AUTO_TEST_CASE(holds_at_most_one_tick_of_recent_items) {
    trace_store traces(1000);
    add_traces(traces, 1, 500);
    auto ctx = make_context(&traces, nullptr);
    auto snap = std::make_shared<snapshot>(*ctx.latest());
    snap->traces_through = 500;
    ctx.latest = [snap] { return snap; };
    auto v = json::parse(hello_frame(ctx)).as_object();
    const auto& list = v.at("traces").as_array();
    BOOST_TEST(list.size() == sightline::hello_recent_items);
    BOOST_TEST(field_of(v.at("traces"), "line_id").front() == "500");
}

BOOST_AUTO_TEST_SUITE_END()
