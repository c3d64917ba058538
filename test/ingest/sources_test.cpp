// Each source type against a local io_context: what it reads, how it ends its stream,
// and the statistics it reports.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "sightline/app/component_registry.hpp"
#include "sightline/app/config_file.hpp"
#include "sightline/core/listen_socket.hpp"
#include "sightline/ingest/file_source.hpp"
#include "sightline/ingest/file_tail_source.hpp"
#include "sightline/ingest/followed_file.hpp"
#include "sightline/ingest/tcp_source.hpp"
#include "sightline/ingest/udp_source.hpp"
#include "../support/test_support.hpp"

using namespace std::chrono_literals;
using namespace sightline;
using sightline::test::capture;
using sightline::test::run_until;
using sightline::test::temp_dir;
using strings = std::vector<std::string>;

namespace {

/// A source wired to a capture, started; `done` is set when the source reports its end.
struct rig {
    net::io_context ioc;
    std::shared_ptr<capture> out = std::make_shared<capture>(ioc);
    std::shared_ptr<source> src;
    bool done = false;

    void start(std::shared_ptr<source> s) {
        src = std::move(s);
        src->connect(out.get());
        out->start();
        src->set_running(true);
        src->start([this] {
            done = true;
            src->set_running(false);
        });
    }
    bool finish() {
        src->stop();
        return run_until(ioc, [&] { return done && out->ended(); });
    }
};

std::shared_ptr<source> make(net::io_context& ioc, const std::string& type, boost::json::object params) {
    auto c = make_component("source", type, "in", std::move(params));
    return find_source_type(type)->create(ioc, c);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(source_tests)

BOOST_AUTO_TEST_CASE(tcp_source_reads_each_connection_to_its_end_and_counts_it) {
    rig r;
    auto tcp_src = std::static_pointer_cast<tcp_source>(make(r.ioc, "tcp", {{"listen", "127.0.0.1:0"}}));
    auto at = tcp_src->local_endpoint();
    r.start(tcp_src);
    BOOST_TEST(r.src->stats().listens);
    {
        tcp::socket client(r.ioc);
        client.connect(at);
        net::write(client, net::buffer(std::string("alpha\nbeta\r\ngam")));
        net::write(client, net::buffer(std::string("ma")));  // the unfinished last line is still a line
        client.shutdown(tcp::socket::shutdown_send);
        BOOST_REQUIRE(run_until(r.ioc, [&] { return r.out->lines().size() == 3; }));
    }
    BOOST_REQUIRE(run_until(r.ioc, [&] { return r.src->stats().connections_closed == 1; }));
    BOOST_REQUIRE(r.finish());
    BOOST_TEST(r.out->lines() == (strings{"alpha", "beta", "gamma"}), boost::test_tools::per_element());
    auto s = r.src->stats();
    BOOST_TEST(s.type == "tcp");
    BOOST_TEST(s.lines == 3u);
    BOOST_TEST(s.bytes == 17u);
    BOOST_TEST(s.connections_accepted == 1u);
    BOOST_TEST(s.connections_active() == 0u);
    BOOST_TEST(!s.running);
}

BOOST_AUTO_TEST_CASE(udp_source_splits_datagrams_and_counts_them) {
    rig r;
    auto udp_src = std::static_pointer_cast<udp_source>(make(r.ioc, "udp", {{"listen", "127.0.0.1:0"}}));
    auto at = udp_src->local_endpoint();
    r.start(udp_src);
    udp::socket client(r.ioc, udp::endpoint(udp::v4(), 0));
    client.send_to(net::buffer(std::string("one\ntwo\n")), at);
    client.send_to(net::buffer(std::string("three")), at);  // no newline: still one line
    BOOST_REQUIRE(run_until(r.ioc, [&] { return r.out->lines().size() == 3; }));
    BOOST_REQUIRE(r.finish());
    BOOST_TEST(r.out->lines() == (strings{"one", "two", "three"}), boost::test_tools::per_element());
    auto s = r.src->stats();
    BOOST_TEST(s.lines == 3u);
    BOOST_REQUIRE(s.datagrams.has_value());
    BOOST_TEST(*s.datagrams == 2u);
    BOOST_TEST(s.kernel_dropped_datagrams.value_or(99) == 0u);
    BOOST_TEST(s.listens);
}

BOOST_AUTO_TEST_CASE(a_port_in_use_fails_at_construction_naming_the_address) {
    net::io_context ioc;
    auto first = std::static_pointer_cast<tcp_source>(make(ioc, "tcp", {{"listen", "127.0.0.1:0"}}));
    auto taken = to_string(first->local_endpoint());
    try {
        make(ioc, "tcp", {{"listen", taken}});
        BOOST_FAIL("a second listener on " << taken << " was made");
    } catch (const std::runtime_error& e) {
        BOOST_TEST(std::string(e.what()).find("source in: cannot listen on tcp " + taken + ": ") == 0u, e.what());
    }
}

BOOST_AUTO_TEST_CASE(file_source_reads_once_to_the_end_and_ends_its_stream) {
    temp_dir d;
    std::string big(100, 'x');
    auto path = d.write("in.log", "1\n2\n" + big + "\nlast");
    rig r;
    r.start(make(r.ioc, "file", {{"path", path}, {"max_line_bytes", 10}, {"read_chunk_bytes", 4096}}));
    BOOST_REQUIRE(run_until(r.ioc, [&] { return r.done && r.out->ended(); }));  // ends by itself
    BOOST_TEST(r.out->lines() == (strings{"1", "2", std::string(10, 'x'), "last"}), boost::test_tools::per_element());
    auto s = r.src->stats();
    BOOST_TEST(s.lines == 4u);
    BOOST_TEST(s.truncated == 1u);
    BOOST_TEST(s.bytes == 4u + 101 + 4);
    BOOST_TEST(!s.listens);
    BOOST_TEST(r.src->finite());
}

BOOST_AUTO_TEST_CASE(a_missing_file_fails_at_construction_naming_it) {
    net::io_context ioc;
    BOOST_CHECK_EXCEPTION(make(ioc, "file", {{"path", "/nonexistent/x.log"}}), std::runtime_error,
                          [](const std::runtime_error& e) { return std::string(e.what()).find("/nonexistent/x.log") != std::string::npos; });
}

BOOST_AUTO_TEST_CASE(followed_glob_reads_appends_rotations_and_new_files) {
    temp_dir d;
    auto app = d.write("app.log", "a1\n");
    rig r;
    r.start(make(r.ioc, "file", {{"path", d.file("*.log")}, {"follow", true}, {"poll_interval_ms", 10}}));
    BOOST_REQUIRE(run_until(r.ioc, [&] { return r.out->lines().size() == 1; }));
    std::ofstream(app, std::ios::app) << "a2\n";
    BOOST_REQUIRE(run_until(r.ioc, [&] { return r.out->lines().size() == 2; }));
    // Rotated away from the glob, then recreated: the rest of the old file, then the new one.
    std::ofstream(app, std::ios::app) << "a3\n";
    BOOST_REQUIRE(std::rename(app.c_str(), d.file("app.log.1").c_str()) == 0);
    d.write("app.log", "b1\n");
    d.write("other.log", "c1\npartial");
    BOOST_REQUIRE(run_until(r.ioc, [&] { return r.out->lines().size() == 5; }));
    BOOST_REQUIRE(r.finish());
    auto lines = r.out->lines();
    BOOST_TEST_REQUIRE(lines.size() == 6u);  // at stop, "partial" is still a line
    BOOST_TEST((strings(lines.begin(), lines.begin() + 3) == strings{"a1", "a2", "a3"}), boost::test_tools::per_element());
    strings rest(lines.begin() + 3, lines.end());
    std::sort(rest.begin(), rest.end());  // the two files are read in either order
    BOOST_TEST(rest == (strings{"b1", "c1", "partial"}), boost::test_tools::per_element());
    auto s = r.src->stats();
    BOOST_TEST(s.lines == 6u);
    auto figure = [&](const std::string& name) {
        for (const auto& [n, v] : s.figures)
            if (n == name) return v;
        return std::uint64_t{999};
    };
    BOOST_TEST(figure("files_followed") == 2u);
    BOOST_TEST(figure("rotations") == 1u);
    BOOST_TEST(!r.src->finite());
}

BOOST_AUTO_TEST_CASE(a_file_rotated_into_a_name_the_glob_matches_is_not_read_twice) {
    temp_dir d;
    auto app = d.write("app.log", "a1\na2\n");
    rig r;
    r.start(make(r.ioc, "file", {{"path", d.file("*.log")}, {"follow", true}, {"poll_interval_ms", 10}}));
    BOOST_REQUIRE(run_until(r.ioc, [&] { return r.out->lines().size() == 2; }));
    // logrotate's dateext: app.log -> app-20261201.log, both matched by *.log.
    std::ofstream(app, std::ios::app) << "a3\n";
    BOOST_REQUIRE(std::rename(app.c_str(), d.file("app-20261201.log").c_str()) == 0);
    d.write("app.log", "b1\n");
    BOOST_REQUIRE(run_until(r.ioc, [&] { return r.out->lines().size() == 4; }));
    // A writer still holding the rotated file appends once more: read from where it was left.
    std::ofstream(d.file("app-20261201.log"), std::ios::app) << "a4\n";
    BOOST_REQUIRE(run_until(r.ioc, [&] { return r.out->lines().size() == 5; }));
    run_until(r.ioc, [] { return false; }, 100ms);  // a few more looks at the glob: nothing again
    BOOST_REQUIRE(r.finish());
    auto lines = r.out->lines();
    std::sort(lines.begin(), lines.end());
    BOOST_TEST(lines == (strings{"a1", "a2", "a3", "a4", "b1"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_deleted_file_is_let_go_once_read_to_its_end) {
    temp_dir d;
    d.write("keep.log", "k1\n");
    auto gone = d.write("gone.log", "g1\n");
    rig r;
    r.start(make(r.ioc, "file", {{"path", d.file("*.log")}, {"follow", true}, {"poll_interval_ms", 10}}));
    BOOST_REQUIRE(run_until(r.ioc, [&] { return r.out->lines().size() == 2; }));
    std::ofstream(gone, std::ios::app) << "g2 last words\n";
    BOOST_REQUIRE(std::remove(gone.c_str()) == 0);
    auto figure = [&](const std::string& name) {
        for (const auto& [n, v] : r.src->stats().figures)
            if (n == name) return v;
        return std::uint64_t{999};
    };
    BOOST_REQUIRE(run_until(r.ioc, [&] { return figure("files_released") == 1; }));
    BOOST_TEST(figure("files_followed") == 1u);
    // Its descriptor is closed: no link to a deleted file is left in /proc/self/fd.
    for (const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) {
        std::error_code ec;
        auto target = std::filesystem::read_symlink(e.path(), ec).string();
        BOOST_TEST(target.find("gone.log") == std::string::npos, target);
    }
    // A new file under that name is followed again, from its start.
    d.write("gone.log", "n1\n");
    BOOST_REQUIRE(run_until(r.ioc, [&] { return r.out->lines().size() == 4; }));
    BOOST_REQUIRE(r.finish());
    auto lines = r.out->lines();
    std::sort(lines.begin(), lines.end());
    BOOST_TEST(lines == (strings{"g1", "g2 last words", "k1", "n1"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(followed_file_restarts_after_truncation_and_reads_no_byte_twice) {
    temp_dir d;
    auto path = d.write("t.log", "one\ntwo\n");
    followed_file f(path, 1024, false);
    line_batch out;
    BOOST_TEST(f.read_new(out, 1 << 20) == 8u);
    BOOST_TEST(f.read_new(out, 1 << 20) == 0u);  // nothing new
    d.write("t.log", "x\n");                     // truncated below what was read
    f.read_new(out, 1 << 20);
    f.read_new(out, 1 << 20);
    strings got;
    for (std::size_t i = 0; i < out.size(); ++i) got.emplace_back(out.text(i));
    BOOST_TEST(got == (strings{"one", "two", "x"}), boost::test_tools::per_element());
    BOOST_TEST(f.truncations() == 1u);
    BOOST_TEST(f.rotations() == 0u);
}

BOOST_AUTO_TEST_CASE(followed_file_started_at_end_skips_what_was_there) {
    temp_dir d;
    auto path = d.write("e.log", "old\n");
    followed_file f(path, 1024, true);
    line_batch out;
    f.read_new(out, 1 << 20);
    BOOST_TEST(out.size() == 0u);
    std::ofstream(path, std::ios::app) << "new\n";
    f.read_new(out, 1 << 20);
    BOOST_TEST_REQUIRE(out.size() == 1u);
    BOOST_TEST(out.text(0) == "new");
}

BOOST_AUTO_TEST_SUITE_END()
