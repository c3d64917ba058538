// The disk buffer's records and segments: what survives a restart, what a torn tail
// costs, and that acknowledged records are neither kept nor delivered again.
#include "sightline/sinks/disk_buffer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>

#include "sightline/sinks/buffer_record.hpp"
#include "../support/test_support.hpp"

using namespace sightline;
using sightline::test::batch_of;
using sightline::test::temp_dir;
using strings = std::vector<std::string>;
namespace fs = std::filesystem;

namespace {

disk_buffer::options in(const std::string& dir, std::uint64_t max_bytes = 1 << 20, std::uint64_t segment = 1 << 20) {
    disk_buffer::options o;
    o.dir = dir;
    o.max_bytes = max_bytes;
    o.segment_bytes = segment;
    return o;
}

strings texts(const line_batch& b) {
    strings out;
    for (std::size_t i = 0; i < b.size(); ++i) out.emplace_back(b.text(i));
    return out;
}

/// Reads every unread record, acknowledging those `ack` says; returns their lines.
strings drain(disk_buffer& b, bool ack = true) {
    strings all;
    while (auto r = b.read_next()) {
        for (auto& t : texts(r->first)) all.push_back(t);
        if (ack) b.ack(r->second);
    }
    return all;
}

std::vector<fs::path> segments_in(const std::string& dir) {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(dir))
        if (e.path().extension() == ".slb") out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(disk_buffer_tests)

BOOST_AUTO_TEST_CASE(a_record_keeps_text_ids_tags_fields_and_the_batch_facts) {
    tag_table tags;
    auto warn = tags.intern("warn");
    line_batch b;
    b.source = "tcp_in";
    b.received_us = 1796126400000000;
    std::vector<field_view> fields = {{*field_keys::intern("user"), field_value::string("bob")},
                                      {*field_keys::intern("n"), field_value::of_integer(-42)},
                                      {*field_keys::intern("ratio"), field_value::of_float(0.25)},
                                      {*field_keys::intern("ok"), field_value::of_bool(true)},
                                      {*field_keys::intern("none"), field_value::null()},
                                      {*field_keys::intern("obj"), field_value::json(R"({"a":[1,2]})")}};
    b.append_event("user=bob n=-42", warn, 77, fields);
    b.append("plain");
    std::string framed;
    buffer_record::encode(b, &tags, framed);
    std::uint32_t length = 0, crc = 0;
    BOOST_REQUIRE(buffer_record::read_header(framed, length, crc) == buffer_record::header_state::whole);
    auto payload = std::string_view(framed).substr(buffer_record::header_bytes);
    BOOST_TEST(payload.size() == length);
    BOOST_TEST(buffer_record::check(payload, crc));
    BOOST_TEST(buffer_record::line_count(payload) == 2u);
    line_batch back;
    BOOST_REQUIRE(buffer_record::decode(payload, &tags, back));
    BOOST_TEST(texts(back) == (strings{"user=bob n=-42", "plain"}), boost::test_tools::per_element());
    BOOST_TEST(back.source == "tcp_in");
    BOOST_TEST(back.received_us == b.received_us);
    BOOST_TEST(back.lines[0].line_id == 77u);
    BOOST_TEST(back.lines[0].tag == warn);
    BOOST_REQUIRE_EQUAL(back.fields_of(0).size(), 6u);
    field_value v;
    BOOST_REQUIRE(back.find_field(0, field_keys::find("n"), v));
    BOOST_TEST(v.integer == -42);
    BOOST_REQUIRE(back.find_field(0, field_keys::find("obj"), v));
    BOOST_TEST(to_string(v.kind) == "json");
    BOOST_TEST(v.text == R"({"a":[1,2]})");
    BOOST_TEST(back.fields_of(1).empty());
    // One flipped byte and the checksum says so.
    framed[framed.size() - 3] ^= 0x20;
    BOOST_TEST(!buffer_record::check(std::string_view(framed).substr(buffer_record::header_bytes), crc));
}

BOOST_AUTO_TEST_CASE(what_is_not_acknowledged_is_delivered_again_after_a_restart_in_order) {
    temp_dir d;
    auto dir = d.file("buf");
    {
        disk_buffer b(in(dir), nullptr);
        BOOST_REQUIRE(b.append(batch_of({"a", "b"})));
        BOOST_REQUIRE(b.append(batch_of({"c"})));
        BOOST_REQUIRE(b.append(batch_of({"d", "e"})));
        auto first = b.read_next();
        BOOST_REQUIRE(first);
        b.ack(first->second);  // a, b delivered
        auto second = b.read_next();
        BOOST_REQUIRE(second);  // c read, never acknowledged: the process dies here
        auto f = b.stats();
        BOOST_TEST(f.lines == 3u);
        BOOST_TEST(f.records == 2u);
        BOOST_TEST(f.unread_records == 1u);
    }
    disk_buffer again(in(dir), nullptr);
    BOOST_TEST(again.found_at_open().lines == 3u);
    BOOST_TEST(again.found_at_open().torn_records == 0u);
    BOOST_TEST(drain(again) == (strings{"c", "d", "e"}), boost::test_tools::per_element());
    BOOST_TEST(again.stats().lines == 0u);
    // Everything acknowledged: a third run finds nothing.
    disk_buffer third(in(dir), nullptr);
    BOOST_TEST(third.found_at_open().lines == 0u);
    BOOST_TEST(!third.read_next());
}

BOOST_AUTO_TEST_CASE(a_torn_tail_is_cut_off_counted_and_the_whole_records_before_it_delivered) {
    temp_dir d;
    auto dir = d.file("buf");
    {
        disk_buffer b(in(dir), nullptr);
        for (int i = 0; i < 5; ++i) BOOST_REQUIRE(b.append(batch_of({"line " + std::to_string(i)})));
    }
    auto seg = segments_in(dir).at(0);
    auto size = fs::file_size(seg);
    fs::resize_file(seg, size - 3);  // the last record cut mid-payload, as a crash leaves it
    disk_buffer b(in(dir), nullptr);
    BOOST_TEST(b.found_at_open().torn_records == 1u);
    BOOST_TEST(b.found_at_open().lines == 4u);
    BOOST_TEST(b.stats().torn_records == 1u);
    BOOST_TEST(drain(b) == (strings{"line 0", "line 1", "line 2", "line 3"}), boost::test_tools::per_element());
    // Appending after the cut starts clean: a new segment, nothing garbled read back.
    BOOST_REQUIRE(b.append(batch_of({"after"})));
    BOOST_TEST(drain(b) == (strings{"after"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(garbage_in_the_middle_of_a_segment_ends_it_there) {
    temp_dir d;
    auto dir = d.file("buf");
    {
        disk_buffer b(in(dir), nullptr);
        for (int i = 0; i < 3; ++i) BOOST_REQUIRE(b.append(batch_of({"r" + std::to_string(i)})));
    }
    auto seg = segments_in(dir).at(0);
    {
        // Flip a byte in the second record's payload: its checksum fails.
        std::string bytes = sightline::test::read_file(seg.string());
        std::uint32_t length = 0, crc = 0;
        buffer_record::read_header(bytes, length, crc);
        auto second = buffer_record::header_bytes + length;
        bytes[second + buffer_record::header_bytes + 2] ^= 0x01;
        std::ofstream(seg, std::ios::binary | std::ios::trunc) << bytes;
    }
    disk_buffer b(in(dir), nullptr);
    BOOST_TEST(b.found_at_open().torn_records == 1u);
    BOOST_TEST(drain(b) == (strings{"r0"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(max_bytes_refuses_a_record_and_acknowledging_makes_room_and_frees_segments) {
    temp_dir d;
    auto dir = d.file("buf");
    std::string line(200, 'x');
    disk_buffer b(in(dir, 1024, 512), nullptr);
    int appended = 0;
    while (b.append(batch_of({line})).has_value()) ++appended;
    BOOST_TEST(appended >= 3);
    BOOST_TEST(b.stats().bytes <= 1024u);
    BOOST_TEST(segments_in(dir).size() >= 2u);
    auto r = b.read_next();
    BOOST_REQUIRE(r);
    b.ack(r->second);
    BOOST_TEST(b.append(batch_of({line})).has_value());  // room again
    drain(b);
    BOOST_TEST(b.stats().bytes == 0u);
    BOOST_TEST(b.stats().lines == 0u);
    // Only the segment still written to is left.
    BOOST_TEST(segments_in(dir).size() == 1u);
}

BOOST_AUTO_TEST_CASE(out_of_order_acknowledgements_keep_what_comes_after_the_first_gap) {
    temp_dir d;
    auto dir = d.file("buf");
    {
        disk_buffer b(in(dir), nullptr);
        for (const char* l : {"1", "2", "3"}) BOOST_REQUIRE(b.append(batch_of({l})));
        auto one = b.read_next(), two = b.read_next(), three = b.read_next();
        b.ack(three->second);  // the window delivered 3 first, then 1; 2 still in flight
        b.ack(one->second);
    }
    disk_buffer again(in(dir), nullptr);
    // 1 is gone for good; 2 is delivered again, and so is 3 (past the first gap: at least once).
    BOOST_TEST(drain(again) == (strings{"2", "3"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_segment_written_to_while_acknowledged_keeps_order_and_counts) {
    // The acknowledged prefix of a segment is forgotten as acks arrive (a buffer in front
    // of a healthy sink writes one segment for hours): reading, out-of-order acks and the
    // figures must not notice.
    temp_dir d;
    auto dir = d.file("buf");
    strings read;
    {
        disk_buffer b(in(dir), nullptr);
        std::vector<disk_buffer::ticket> held;
        for (int round = 0; round < 200; ++round) {
            for (int k = 0; k < 3; ++k) BOOST_REQUIRE(b.append(batch_of({std::to_string(round * 3 + k)})));
            // Read two per round (so reading falls behind); acknowledge the second one,
            // then the first of the round before, holding one back each time.
            auto first = b.read_next(), second = b.read_next();
            BOOST_REQUIRE(first && second);
            for (const auto* r : {&*first, &*second}) read.push_back(texts(r->first).at(0));
            b.ack(second->second);
            if (!held.empty()) b.ack(held.back()), held.pop_back();
            held.push_back(first->second);
        }
        // 600 appended, 400 read; 200 unread, and one read but held back.
        auto f = b.stats();
        BOOST_TEST(f.records == 201u);
        BOOST_TEST(f.unread_records == 200u);
        BOOST_TEST(f.segments == 1u);
        for (auto& t : drain(b)) read.push_back(t);
        BOOST_TEST(b.stats().records == 1u);  // the held one
        b.ack(held.back());
        BOOST_TEST(b.stats().records == 0u);
        BOOST_TEST(b.stats().lines == 0u);
        BOOST_TEST(b.stats().bytes == 0u);
        // More after everything was acknowledged: read from the same segment, in order.
        BOOST_REQUIRE(b.append(batch_of({"late"})));
        BOOST_TEST(drain(b) == strings{"late"}, boost::test_tools::per_element());
    }
    // Records are read in the order appended, whatever the acknowledgements did.
    strings expected;
    for (int i = 0; i < 600; ++i) expected.push_back(std::to_string(i));
    BOOST_TEST(read == expected, boost::test_tools::per_element());
    // Nothing is delivered again after a restart.
    disk_buffer again(in(dir), nullptr);
    BOOST_TEST(again.stats().records == 0u);
    BOOST_TEST(drain(again).empty());
}

BOOST_AUTO_TEST_SUITE_END()
