// A producer's outputs across a reload: the new targets count it at once, the old ones
// get their end-of-stream only after the last batch sent through the old generation.
#include "sightline/pipeline/output_ports.hpp"

#include <boost/test/unit_test.hpp>

#include "../support/test_support.hpp"

using namespace sightline;
using sightline::test::batch_of;
using sightline::test::capture;
using sightline::test::run_until;
using strings = std::vector<std::string>;

namespace {

net::awaitable<void> send_through(std::shared_ptr<const port_wiring> w, line_batch b) {
    co_await send_to_port(*w, 0, std::move(b));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(output_ports_tests)

BOOST_AUTO_TEST_CASE(a_replaced_generation_ends_its_targets_after_its_last_send) {
    net::io_context ioc;
    auto a = std::make_shared<capture>(ioc), b = std::make_shared<capture>(ioc);
    output_ports out(1);
    out.connect(0, a.get());
    BOOST_TEST(a->producers() == 1u);
    a->start();
    b->start();
    // A send in progress holds the first generation...
    auto held = out.current();
    BOOST_TEST(out.rewire({{b.get()}}));
    BOOST_TEST(b->producers() == 1u);  // counted before the old one can end anything
    BOOST_TEST(out.targets() == std::vector<batch_consumer*>{b.get()});
    run_until(ioc, [] { return false; }, std::chrono::milliseconds(50));
    BOOST_TEST(!a->ended());  // ...so its target is not ended yet
    net::co_spawn(ioc, send_through(held, batch_of({"late"})), net::detached);
    held.reset();
    BOOST_REQUIRE(run_until(ioc, [&] { return a->ended(); }));
    BOOST_TEST(a->lines() == (strings{"late"}), boost::test_tools::per_element());
    // The new generation ends with the stream.
    net::co_spawn(ioc, send_through(out.current(), batch_of({"new"})), net::detached);
    net::co_spawn(ioc, out.end(), net::detached);
    BOOST_REQUIRE(run_until(ioc, [&] { return b->ended(); }));
    BOOST_TEST(b->lines() == (strings{"new"}), boost::test_tools::per_element());
    BOOST_TEST(!out.current());
}

BOOST_AUTO_TEST_CASE(after_the_end_a_rewire_counts_nobody) {
    net::io_context ioc;
    auto a = std::make_shared<capture>(ioc), b = std::make_shared<capture>(ioc);
    output_ports out(1);
    out.connect(0, a.get());
    a->start();
    net::co_spawn(ioc, out.end(), net::detached);
    BOOST_REQUIRE(run_until(ioc, [&] { return a->ended(); }));
    BOOST_TEST(!out.rewire({{b.get()}}));
    BOOST_TEST(b->producers() == 0u);  // b would otherwise wait for ever for an end-of-stream
}

BOOST_AUTO_TEST_CASE(a_target_on_two_ports_counts_the_generation_once) {
    net::io_context ioc;
    auto a = std::make_shared<capture>(ioc);
    port_wiring w({{a.get()}, {a.get()}});
    BOOST_TEST(a->producers() == 1u);
    BOOST_TEST(w.targets().size() == 1u);
    BOOST_TEST(w.port_lists().size() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()
