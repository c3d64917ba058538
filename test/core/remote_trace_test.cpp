#include "sightline/core/remote_trace.hpp"

#include <boost/test/unit_test.hpp>

using namespace sightline;

BOOST_AUTO_TEST_SUITE(remote_trace_tests)

BOOST_AUTO_TEST_CASE(a_trace_crosses_with_its_id_content_and_steps_named_by_origin) {
    auto t = make_trace_record();
    t->line_id = 42;
    t->source = "tcp_in";
    t->set_original("card declined");
    t->add_at(1000, "tcp_in", "received");
    t->add_at(1500, "router", "route", 2.5, "error");
    t->add_at(1700, "scrub", "drop", 0, {}, "filtered");
    auto header = encode_remote_traces({{3, t.get()}}, "host1");
    auto back = decode_remote_traces(header);
    BOOST_REQUIRE_EQUAL(back.size(), 1u);
    BOOST_TEST(back[0].index == 3u);
    const auto& r = *back[0].record;
    BOOST_TEST(r.line_id == 42u);
    BOOST_TEST(r.source == "host1/tcp_in");
    BOOST_TEST(r.original_content() == "card declined");
    BOOST_REQUIRE_EQUAL(r.path.size(), 3u);
    BOOST_TEST(r.path[1].processor == "host1/router");
    BOOST_TEST(r.path[1].status == "route");
    BOOST_TEST(r.path[1].tag == "error");
    BOOST_TEST(r.path[1].unix_us == 1500);
    BOOST_TEST(r.path[1].duration_us == 2.5f);
    BOOST_TEST(r.detail_of(r.path[2]) == "filtered");
}

BOOST_AUTO_TEST_CASE(malformed_headers_and_entries_are_skipped) {
    BOOST_TEST(decode_remote_traces("").empty());
    BOOST_TEST(decode_remote_traces("{\"i\":0}").empty());
    BOOST_TEST(decode_remote_traces("[1, {\"i\": -1, \"id\": 1, \"p\": []}, {\"i\": 0, \"p\": []}]").empty());
    auto some = decode_remote_traces(R"([{"i": 1, "id": 7, "p": [["a", "emit", 5, 0, "", ""], ["bad"]]}])");
    BOOST_REQUIRE_EQUAL(some.size(), 1u);
    BOOST_TEST(some[0].record->path.size() == 1u);  // the malformed step is left out
}

BOOST_AUTO_TEST_CASE(remote_names_are_kept_once_and_bounded) {
    auto a = remote_name("agent/x");
    auto b = remote_name(std::string("agent/") + "x");
    BOOST_TEST(a.data() == b.data());
}

BOOST_AUTO_TEST_SUITE_END()
