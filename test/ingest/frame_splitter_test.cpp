#include "sightline/ingest/frame_splitter.hpp"

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

using sightline::frame_splitter;
using sightline::framing;
using sightline::line_batch;

namespace {

using lines = std::vector<std::string>;

/// Feeds `chunks` one after another, then ends the stream; returns every message.
lines split(frame_splitter& s, const std::vector<std::string>& chunks) {
    line_batch out;
    for (const auto& c : chunks) s.feed(c, out);
    s.finish(out);
    lines r;
    for (std::size_t i = 0; i < out.size(); ++i) r.emplace_back(out.text(i));
    return r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(frame_splitter_tests)

BOOST_AUTO_TEST_CASE(octet_counted_frames_keep_newlines_and_survive_any_cut) {
    const std::string stream = "11 <13>a\nb c d6 <14>xy";
    // Every place the stream can be cut in two gives the same two messages.
    for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
        frame_splitter s(framing::octet_counted, 1024);
        BOOST_TEST(split(s, {stream.substr(0, cut), stream.substr(cut)}) == (lines{"<13>a\nb c d", "<14>xy"}),
                   boost::test_tools::per_element());
        BOOST_TEST(s.bad_frames() == 0u);
    }
}

BOOST_AUTO_TEST_CASE(a_newline_between_frames_is_tolerated) {
    frame_splitter s(framing::octet_counted, 1024);
    BOOST_TEST(split(s, {"3 <1>\n3 <2>\r\n"}) == (lines{"<1>", "<2>"}), boost::test_tools::per_element());
    BOOST_TEST(s.bad_frames() == 0u);
}

BOOST_AUTO_TEST_CASE(a_bad_length_is_counted_and_the_stream_resynchronised) {
    frame_splitter s(framing::octet_counted, 1024);
    // "x7 ..." and "012 ..." are no lengths: each up to its newline becomes one line.
    BOOST_TEST(split(s, {"x7 <1>abc\n012 <2>\n5 <3>ok"}) == (lines{"x7 <1>abc", "012 <2>", "<3>ok"}),
               boost::test_tools::per_element());
    BOOST_TEST(s.bad_frames() == 2u);
}

BOOST_AUTO_TEST_CASE(a_frame_longer_than_the_limit_is_cut_and_the_next_one_read) {
    frame_splitter s(framing::octet_counted, 4);
    BOOST_TEST(split(s, {"10 <13>abc", "def", "2 ok"}) == (lines{"<13>", "ok"}), boost::test_tools::per_element());
    BOOST_TEST(s.truncated() == 1u);
    BOOST_TEST(s.bad_frames() == 0u);
}

BOOST_AUTO_TEST_CASE(a_peer_leaving_inside_a_frame_still_has_its_bytes_delivered) {
    frame_splitter s(framing::octet_counted, 1024);
    BOOST_TEST(split(s, {"20 <13>partial"}) == (lines{"<13>partial"}), boost::test_tools::per_element());
    BOOST_TEST(s.bad_frames() == 1u);
    frame_splitter t(framing::octet_counted, 1024);
    BOOST_TEST(split(t, {"5 <1>ab", "12"}) == (lines{"<1>ab", "12"}), boost::test_tools::per_element());
    BOOST_TEST(t.bad_frames() == 1u);
}

BOOST_AUTO_TEST_CASE(a_huge_length_does_not_make_it_wait_for_ever) {
    frame_splitter s(framing::octet_counted, 1024);
    // Ten digits is more than any frame: a bad header, not a gigabyte to wait for.
    BOOST_TEST(split(s, {"1234567890 <1>x\n"}) == (lines{"1234567890 <1>x"}), boost::test_tools::per_element());
    BOOST_TEST(s.bad_frames() == 1u);
}

BOOST_AUTO_TEST_CASE(auto_detects_octet_counting_from_digits_space_and_pri) {
    frame_splitter s(framing::automatic, 1024);
    BOOST_TEST(split(s, {"1", "0 ", "<13>hello!4 <1>x"}) == (lines{"<13>hello!", "<1>x"}), boost::test_tools::per_element());
    BOOST_TEST((s.current() == framing::octet_counted));
}

BOOST_AUTO_TEST_CASE(auto_keeps_plain_lines_that_start_with_digits) {
    for (const std::string first : {"12 apples\n", "<13>Oct 11 host app: m\n", "hello\n", "0 <1>\n", "12345678901 <1>\n"}) {
        frame_splitter s(framing::automatic, 1024);
        auto got = split(s, {first, "next\n"});
        BOOST_TEST(got == (lines{first.substr(0, first.size() - 1), "next"}), boost::test_tools::per_element());
        BOOST_TEST((s.current() == framing::newline));
    }
    frame_splitter short_line(framing::automatic, 1024);
    BOOST_TEST(split(short_line, {"42"}) == (lines{"42"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(newline_framing_is_the_line_splitter) {
    frame_splitter s(framing::newline, 1024);
    BOOST_TEST(split(s, {"11 <13>a\r\nb", "\nc"}) == (lines{"11 <13>a", "b", "c"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(framing_names) {
    framing f;
    BOOST_TEST((sightline::parse_framing("auto", f) && f == framing::automatic));
    BOOST_TEST((sightline::parse_framing("octet_counted", f) && f == framing::octet_counted));
    BOOST_TEST((sightline::parse_framing("newline", f) && f == framing::newline));
    BOOST_TEST(!sightline::parse_framing("lf", f));
}

BOOST_AUTO_TEST_SUITE_END()
