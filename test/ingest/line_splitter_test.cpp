#include "sightline/ingest/line_splitter.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

using sightline::line_batch;
using sightline::line_splitter;

namespace {

/// Every line of `b` as an owned string, in order.
std::vector<std::string> lines_of(const line_batch& b) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < b.size(); ++i) out.emplace_back(b.text(i));
    return out;
}

using lines = std::vector<std::string>;

}  // namespace

BOOST_AUTO_TEST_SUITE(line_splitter_tests)

BOOST_AUTO_TEST_CASE(splits_on_lf_and_keeps_partial_tail) {
    line_splitter s;
    line_batch out;
    s.feed("alpha\nbeta\ngam", out);
    BOOST_TEST(lines_of(out) == (lines{"alpha", "beta"}), boost::test_tools::per_element());
    BOOST_TEST(s.pending_bytes() == 3u);
    s.finish(out);
    BOOST_TEST(lines_of(out) == (lines{"alpha", "beta", "gam"}), boost::test_tools::per_element());
    BOOST_TEST(s.pending_bytes() == 0u);
    BOOST_TEST(s.truncated() == 0u);
}

BOOST_AUTO_TEST_CASE(splits_on_crlf_and_strips_the_cr) {
    line_splitter s;
    line_batch out;
    s.feed("one\r\ntwo\r\nthree\n", out);
    BOOST_TEST(lines_of(out) == (lines{"one", "two", "three"}), boost::test_tools::per_element());
    BOOST_TEST(s.pending_bytes() == 0u);
}

BOOST_AUTO_TEST_CASE(cr_inside_a_line_is_content) {
    line_splitter s;
    line_batch out;
    s.feed("a\rb\r\n", out);
    BOOST_TEST(lines_of(out) == (lines{"a\rb"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(empty_lines_are_lines) {
    line_splitter s;
    line_batch out;
    s.feed("\n\r\nx\n\n", out);
    BOOST_TEST(lines_of(out) == (lines{"", "", "x", ""}), boost::test_tools::per_element());
    BOOST_TEST(out.content_bytes() == 1u);
}

BOOST_AUTO_TEST_CASE(finish_without_pending_bytes_adds_nothing) {
    line_splitter s;
    line_batch out;
    s.feed("done\n", out);
    s.finish(out);
    BOOST_TEST(lines_of(out) == (lines{"done"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(final_line_without_newline_comes_from_finish) {
    line_splitter s;
    line_batch out;
    s.feed("first\nlast", out);
    BOOST_TEST(out.size() == 1u);
    s.finish(out);
    BOOST_TEST(lines_of(out) == (lines{"first", "last"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(lines_split_across_many_feeds_are_joined) {
    line_splitter s;
    line_batch out;
    s.feed("hel", out);
    s.feed("lo wo", out);
    BOOST_TEST(out.size() == 0u);
    s.feed("rld\nsecond", out);
    s.feed(" line\nthird", out);
    s.feed("\n", out);
    BOOST_TEST(lines_of(out) == (lines{"hello world", "second line", "third"}), boost::test_tools::per_element());
    BOOST_TEST(s.pending_bytes() == 0u);
}

BOOST_AUTO_TEST_CASE(feeding_one_byte_at_a_time_gives_the_same_lines) {
    const std::string input = "abc\r\n\nde\rf\r\nlast";
    line_splitter s;
    line_batch out;
    for (char c : input) s.feed(std::string_view(&c, 1), out);
    BOOST_TEST(lines_of(out) == (lines{"abc", "", "de\rf"}), boost::test_tools::per_element());
    s.finish(out);
    BOOST_TEST(lines_of(out) == (lines{"abc", "", "de\rf", "last"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(crlf_split_between_two_feeds_strips_the_cr) {
    line_splitter s;
    line_batch out;
    s.feed("abc\r", out);
    BOOST_TEST(out.size() == 0u);
    BOOST_TEST(s.pending_bytes() == 4u);
    s.feed("\ndef\r", out);
    s.feed("\n", out);
    BOOST_TEST(lines_of(out) == (lines{"abc", "def"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(invalid_utf8_and_nul_bytes_pass_through_byte_exact) {
    const std::string line1("\xff\xfe\x00\x80 bad \xc3(", 11);
    const std::string line2("\x00\x00", 2);
    std::string input = line1 + "\n" + line2 + "\r\n" + std::string("tail\x00", 5);
    line_splitter s;
    line_batch out;
    s.feed(input, out);
    s.finish(out);
    BOOST_TEST_REQUIRE(out.size() == 3u);
    BOOST_TEST(out.text(0) == line1);
    BOOST_TEST(out.text(0).size() == 11u);
    BOOST_TEST(out.text(1) == line2);
    BOOST_TEST(out.text(2) == std::string("tail\x00", 5));
    BOOST_TEST(s.truncated() == 0u);
}

BOOST_AUTO_TEST_CASE(line_longer_than_limit_is_truncated_and_counted) {
    line_splitter s(8);
    line_batch out;
    s.feed("0123456789abcdef\nshort\n", out);
    BOOST_TEST(lines_of(out) == (lines{"01234567", "short"}), boost::test_tools::per_element());
    BOOST_TEST(s.truncated() == 1u);
    BOOST_TEST(s.skipping() == false);
}

BOOST_AUTO_TEST_CASE(line_one_byte_over_limit_is_truncated) {
    line_splitter s(8);
    line_batch out;
    s.feed("012345678\n", out);
    BOOST_TEST(lines_of(out) == (lines{"01234567"}), boost::test_tools::per_element());
    BOOST_TEST(s.truncated() == 1u);
}

BOOST_AUTO_TEST_CASE(long_line_split_across_feeds_is_truncated_once) {
    line_splitter s(8);
    line_batch out;
    s.feed("0123", out);
    s.feed("4567", out);
    s.feed("89ab", out);
    BOOST_TEST(s.skipping() == true);
    BOOST_TEST(s.pending_bytes() == 9u);
    s.feed("cdef\r\nnext\n", out);
    BOOST_TEST(lines_of(out) == (lines{"01234567", "next"}), boost::test_tools::per_element());
    BOOST_TEST(s.truncated() == 1u);
    BOOST_TEST(s.skipping() == false);
    BOOST_TEST(s.pending_bytes() == 0u);
}

BOOST_AUTO_TEST_CASE(line_of_exactly_the_limit_is_not_truncated) {
    line_splitter s(8);
    line_batch out;
    s.feed("01234567\nabcdefgh\r\n", out);
    s.feed("ABCD", out);
    s.feed("EFGH\r", out);
    s.feed("\n", out);
    BOOST_TEST(lines_of(out) == (lines{"01234567", "abcdefgh", "ABCDEFGH"}), boost::test_tools::per_element());
    BOOST_TEST(s.truncated() == 0u);
}

BOOST_AUTO_TEST_CASE(never_ending_line_keeps_memory_bounded_and_finishes_truncated) {
    constexpr std::size_t limit = 64;
    line_splitter s(limit);
    line_batch out;
    const std::string chunk(37, 'z');
    std::size_t fed = 0;
    std::size_t max_pending = 0;
    while (fed < 100 * limit) {
        s.feed(chunk, out);
        fed += chunk.size();
        max_pending = std::max(max_pending, s.pending_bytes());
        BOOST_TEST_REQUIRE(s.pending_bytes() <= limit + 1);
    }
    BOOST_TEST(fed >= 100 * limit);
    BOOST_TEST(max_pending == limit + 1);
    BOOST_TEST(out.size() == 0u);
    BOOST_TEST(s.skipping() == true);
    s.finish(out);
    BOOST_TEST_REQUIRE(out.size() == 1u);
    BOOST_TEST(out.text(0) == std::string(limit, 'z'));
    BOOST_TEST(s.truncated() == 1u);
    BOOST_TEST(s.pending_bytes() == 0u);
    BOOST_TEST(s.skipping() == false);
}

BOOST_AUTO_TEST_CASE(lone_cr_at_end_of_input_is_content) {
    line_splitter s;
    line_batch out;
    s.feed("abc\r", out);
    s.finish(out);
    BOOST_TEST_REQUIRE(out.size() == 1u);
    BOOST_TEST(out.text(0) == "abc\r");
    BOOST_TEST(out.text(0).size() == 4u);
}

BOOST_AUTO_TEST_CASE(zero_limit_is_rejected) {
    BOOST_CHECK_THROW(line_splitter(0), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
