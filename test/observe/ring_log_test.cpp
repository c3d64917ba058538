#include "sightline/observe/ring_log.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sightline/core/trace_record.hpp"
#include "sightline/observe/trace_store.hpp"

using sightline::ring_log;
using sightline::trace_filter;
using sightline::trace_ptr;
using sightline::trace_record;
using sightline::trace_store;

namespace {

using ints = std::vector<int>;

const auto all = [](const int&) { return true; };

/// Adds the integers first..last, one add() call each.
void add_range(ring_log<int>& log, int first, int last) {
    for (int i = first; i <= last; ++i) log.add({i});
}

trace_ptr make_trace(std::uint64_t id, std::string content, std::string_view outcome,  // a literal
                     std::vector<std::pair<std::string_view, std::string_view>> steps) {  // literals: steps keep views
    auto r = sightline::make_trace_record();
    r->line_id = id;
    r->source = "in";
    r->set_original(std::move(content));
    r->outcome = outcome;
    for (auto& [processor, status] : steps) r->add(processor, status);
    return r;
}

std::vector<std::uint64_t> ids(const std::vector<trace_ptr>& v) {
    std::vector<std::uint64_t> out;
    for (const auto& r : v) out.push_back(r->line_id);
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(ring_log_tests)

BOOST_AUTO_TEST_CASE(never_holds_more_than_its_capacity) {
    ring_log<int> log(3);
    BOOST_TEST(log.capacity() == 3u);
    BOOST_TEST(log.size() == 0u);
    BOOST_TEST(log.total() == 0u);
    add_range(log, 1, 2);
    BOOST_TEST(log.size() == 2u);
    add_range(log, 3, 10);
    BOOST_TEST(log.size() == 3u);
    BOOST_TEST(log.total() == 10u);
    log.add({11, 12, 13, 14, 15});  // one call with more than capacity
    BOOST_TEST(log.size() == 3u);
    BOOST_TEST(log.total() == 15u);
    BOOST_TEST(log.newest(100, all) == (ints{15, 14, 13}), boost::test_tools::per_element());
    log.add({});
    BOOST_TEST(log.total() == 15u);
}

BOOST_AUTO_TEST_CASE(capacity_zero_keeps_one_item) {
    ring_log<int> log(0);
    BOOST_TEST(log.capacity() == 1u);
    log.add({1, 2});
    BOOST_TEST(log.size() == 1u);
    BOOST_TEST(log.newest(10, all) == (ints{2}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(newest_returns_newest_first_filtered_and_limited) {
    ring_log<int> log(5);
    BOOST_TEST(log.newest(10, all).empty());
    add_range(log, 1, 7);  // keeps 3..7
    BOOST_TEST(log.newest(10, all) == (ints{7, 6, 5, 4, 3}), boost::test_tools::per_element());
    BOOST_TEST(log.newest(2, all) == (ints{7, 6}), boost::test_tools::per_element());
    BOOST_TEST(log.newest(0, all).empty());
    auto even = [](const int& i) { return i % 2 == 0; };
    BOOST_TEST(log.newest(10, even) == (ints{6, 4}), boost::test_tools::per_element());
    BOOST_TEST(log.newest(1, even) == (ints{6}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(since_returns_exactly_the_items_added_after_a_cursor) {
    ring_log<int> log(5);
    auto [none, c0] = log.since(0, 100);
    BOOST_TEST(none.empty());
    BOOST_TEST(c0 == 0u);

    add_range(log, 1, 3);
    auto [first, c1] = log.since(0, 100);
    BOOST_TEST(first == (ints{1, 2, 3}), boost::test_tools::per_element());  // oldest first
    BOOST_TEST(c1 == 3u);

    auto [nothing_new, c2] = log.since(c1, 100);
    BOOST_TEST(nothing_new.empty());
    BOOST_TEST(c2 == 3u);

    log.add({4, 5});
    auto [more, c3] = log.since(c1, 100);
    BOOST_TEST(more == (ints{4, 5}), boost::test_tools::per_element());
    BOOST_TEST(c3 == 5u);

    auto [tail, c4] = log.since(3, 100);
    BOOST_TEST(tail == (ints{4, 5}), boost::test_tools::per_element());
    BOOST_TEST(c4 == 5u);
}

BOOST_AUTO_TEST_CASE(newest_through_stops_at_a_cursor_and_at_the_oldest_kept_item) {
    ring_log<int> log(5);
    BOOST_TEST(log.newest_through(10, 10).empty());
    add_range(log, 1, 7);  // keeps 3..7, sequence numbers equal the values
    BOOST_TEST(log.newest_through(5, 10) == (ints{5, 4, 3}), boost::test_tools::per_element());
    BOOST_TEST(log.newest_through(7, 2) == (ints{7, 6}), boost::test_tools::per_element());
    BOOST_TEST(log.newest_through(100, 10) == (ints{7, 6, 5, 4, 3}), boost::test_tools::per_element());
    BOOST_TEST(log.newest_through(2, 10).empty());  // evicted already
    BOOST_TEST(log.newest_through(0, 10).empty());
}

BOOST_AUTO_TEST_CASE(since_starts_at_the_oldest_kept_item_after_the_ring_wrapped) {
    ring_log<int> log(5);
    add_range(log, 1, 5);
    auto [seen, cursor] = log.since(0, 100);
    BOOST_TEST(seen == (ints{1, 2, 3, 4, 5}), boost::test_tools::per_element());
    BOOST_TEST(cursor == 5u);
    add_range(log, 6, 12);  // 6 and 7 fall out before the reader looks again
    BOOST_TEST(log.size() == 5u);

    auto [after_wrap, c1] = log.since(cursor, 100);
    BOOST_TEST(after_wrap == (ints{8, 9, 10, 11, 12}), boost::test_tools::per_element());
    BOOST_TEST(c1 == 12u);

    // A reader that kept up sees exactly the new items.
    auto [recent, c2] = log.since(10, 100);
    BOOST_TEST(recent == (ints{11, 12}), boost::test_tools::per_element());
    BOOST_TEST(c2 == 12u);

    log.add({13});
    auto [one, c3] = log.since(c1, 100);
    BOOST_TEST(one == (ints{13}), boost::test_tools::per_element());
    BOOST_TEST(c3 == 13u);
}

BOOST_AUTO_TEST_CASE(since_honours_the_limit_and_resumes_from_its_cursor) {
    ring_log<int> log(5);
    add_range(log, 1, 12);  // keeps 8..12 (sequence numbers equal the values)
    auto [a, c1] = log.since(0, 2);
    BOOST_TEST(a == (ints{8, 9}), boost::test_tools::per_element());
    BOOST_TEST(c1 == 9u);
    auto [b, c2] = log.since(c1, 2);
    BOOST_TEST(b == (ints{10, 11}), boost::test_tools::per_element());
    BOOST_TEST(c2 == 11u);
    auto [c, c3] = log.since(c2, 2);
    BOOST_TEST(c == (ints{12}), boost::test_tools::per_element());
    BOOST_TEST(c3 == 12u);
    auto [d, c4] = log.since(c3, 2);
    BOOST_TEST(d.empty());
    BOOST_TEST(c4 == 12u);
    // limit 0 returns nothing and a cursor that loses nothing still kept.
    auto [e, c5] = log.since(9, 0);
    BOOST_TEST(e.empty());
    BOOST_TEST(c5 == 9u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(trace_store_tests)

BOOST_AUTO_TEST_CASE(empty_filter_matches_everything) {
    trace_filter f;
    BOOST_TEST(f.matches(*make_trace(1, "anything", "out", {{"in", "received"}})));
    BOOST_TEST(f.matches(trace_record{}));
}

BOOST_AUTO_TEST_CASE(stage_and_status_must_match_the_same_step) {
    auto r = make_trace(1, "x", "out", {{"in", "received"}, {"tagger", "emit"}, {"router", "route"}});
    BOOST_TEST((trace_filter{.stage = "tagger"}.matches(*r)));
    BOOST_TEST((trace_filter{.stage = "router"}.matches(*r)));
    BOOST_TEST((!trace_filter{.stage = "filter"}.matches(*r)));
    BOOST_TEST((trace_filter{.status = "route"}.matches(*r)));
    BOOST_TEST((!trace_filter{.status = "drop"}.matches(*r)));
    BOOST_TEST((trace_filter{.stage = "tagger", .status = "emit"}.matches(*r)));
    BOOST_TEST((trace_filter{.stage = "router", .status = "route"}.matches(*r)));
    // Both exist, but on different steps.
    BOOST_TEST((!trace_filter{.stage = "tagger", .status = "route"}.matches(*r)));
    BOOST_TEST((!trace_filter{.stage = "in", .status = "emit"}.matches(*r)));
}

BOOST_AUTO_TEST_CASE(outcome_and_text_filter_exactly_and_by_substring) {
    auto r = make_trace(1, "GET /index.html 200", "file_out", {{"in", "received"}});
    BOOST_TEST((trace_filter{.outcome = "file_out"}.matches(*r)));
    BOOST_TEST((!trace_filter{.outcome = "file"}.matches(*r)));
    BOOST_TEST((!trace_filter{.outcome = "dropped"}.matches(*r)));
    BOOST_TEST((trace_filter{.text = "index"}.matches(*r)));
    BOOST_TEST((trace_filter{.text = "GET /index.html 200"}.matches(*r)));
    BOOST_TEST((!trace_filter{.text = "INDEX"}.matches(*r)));
    BOOST_TEST((!trace_filter{.text = "POST"}.matches(*r)));
    // Every given field must match.
    BOOST_TEST((trace_filter{.stage = "in", .outcome = "file_out", .text = "200"}.matches(*r)));
    BOOST_TEST((!trace_filter{.stage = "in", .outcome = "dropped", .text = "200"}.matches(*r)));
    BOOST_TEST((!trace_filter{.stage = "in", .outcome = "file_out", .text = "404"}.matches(*r)));
    BOOST_TEST((!trace_filter{.stage = "nope", .outcome = "file_out", .text = "200"}.matches(*r)));
}

BOOST_AUTO_TEST_CASE(query_returns_matching_traces_newest_first) {
    trace_store store(10);
    store.add({make_trace(1, "a error", "dropped", {{"in", "received"}, {"f", "drop"}}),
               make_trace(2, "b", "out", {{"in", "received"}, {"f", "emit"}}),
               make_trace(3, "c error", "dropped", {{"in", "received"}, {"f", "drop"}}),
               make_trace(4, "d error", "out", {{"in", "received"}, {"f", "emit"}})});
    BOOST_TEST(ids(store.query({}, 100)) == (std::vector<std::uint64_t>{4, 3, 2, 1}), boost::test_tools::per_element());
    BOOST_TEST(ids(store.query({.outcome = "dropped"}, 100)) == (std::vector<std::uint64_t>{3, 1}),
               boost::test_tools::per_element());
    BOOST_TEST(ids(store.query({.text = "error"}, 2)) == (std::vector<std::uint64_t>{4, 3}),
               boost::test_tools::per_element());
    BOOST_TEST(ids(store.query({.stage = "f", .status = "emit"}, 100)) == (std::vector<std::uint64_t>{4, 2}),
               boost::test_tools::per_element());
    BOOST_TEST(store.query({.stage = "g"}, 100).empty());
}

BOOST_AUTO_TEST_CASE(find_returns_the_newest_trace_of_a_line_id) {
    trace_store store(3);
    auto first_branch = make_trace(7, "x", "out_a", {{"in", "received"}});
    auto second_branch = make_trace(7, "x", "out_b", {{"in", "received"}});
    store.add({make_trace(5, "y", "out", {}), first_branch, second_branch});
    BOOST_TEST(store.find(7) == second_branch);
    BOOST_TEST_REQUIRE(store.find(5) != nullptr);
    BOOST_TEST(store.find(5)->original_content() == "y");
    BOOST_TEST(store.find(6) == nullptr);
    BOOST_TEST(store.find(0) == nullptr);
    // Once it fell out of the ring it is unknown.
    store.add({make_trace(8, "z", "out", {})});
    BOOST_TEST(store.find(5) == nullptr);
    BOOST_TEST(store.find(7) == second_branch);
}

BOOST_AUTO_TEST_SUITE_END()
