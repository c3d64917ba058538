#include "sightline/web/frame_queue.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <memory>
#include <string>

using namespace std::chrono_literals;
using sightline::frame_queue;
using result = frame_queue::push_result;

namespace {

frame_queue::frame_ptr frame(std::string text) { return std::make_shared<const std::string>(std::move(text)); }

const frame_queue::clock::time_point t0{};

}  // namespace

BOOST_AUTO_TEST_SUITE(frame_queue_tests)

BOOST_AUTO_TEST_CASE(a_client_that_keeps_reading_is_never_closed_however_long_its_queue_stays_full) {
    // Capacity 4, max_behind 500 ms; the client takes one frame every 100 ms for 60 s
    // while the server pushes ten per 100 ms: the queue is full the whole time.
    frame_queue q(4, 500ms);
    std::uint64_t lost = 0;
    auto now = t0;
    for (int step = 0; step < 600; ++step) {
        for (int i = 0; i < 10; ++i) {
            auto r = q.push(frame("stats"), true, now);
            BOOST_TEST_REQUIRE((r != result::close), "closed at step " << step);
            lost += r != result::queued;
        }
        q.take(now);
        now += 100ms;
        q.written(now);
    }
    BOOST_TEST(q.size() == 3u);  // the last step took one
    BOOST_TEST(q.dropped() == lost);
    BOOST_TEST(lost == 600u * 10 - 600 - 3);  // all pushed, less those taken and those waiting
}

BOOST_AUTO_TEST_CASE(a_client_whose_write_never_completes_is_closed_after_max_behind) {
    frame_queue q(4, 500ms);
    BOOST_TEST((q.push(frame("hello"), false, t0) == result::queued));
    q.take(t0);  // written to a client that never reads: it never completes
    for (int i = 0; i < 4; ++i) BOOST_TEST((q.push(frame("stats"), true, t0 + 100ms) == result::queued));
    BOOST_TEST(q.full());
    // Full, but not yet behind for long: the oldest stats frame makes way.
    BOOST_TEST((q.push(frame("stats"), true, t0 + 500ms) == result::replaced));
    BOOST_TEST((q.push(frame("pong"), false, t0 + 500ms) == result::replaced));
    BOOST_TEST(q.dropped() == 2u);
    // No progress for more than 500 ms since the write began.
    BOOST_TEST((q.push(frame("stats"), true, t0 + 501ms) == result::close));
    // Closing loses what waited (4) and the newcomer: all counted.
    BOOST_TEST(q.empty());
    BOOST_TEST(q.dropped() == 2u + 4 + 1);
}

BOOST_AUTO_TEST_CASE(time_spent_idle_with_an_empty_queue_does_not_count_as_behind) {
    frame_queue q(2, 500ms);
    q.push(frame("a"), true, t0);
    q.take(t0);
    q.written(t0 + 1ms);
    // An hour later the client is idle, not behind: a full queue only replaces frames.
    auto later = t0 + 1h;
    q.push(frame("b"), true, later);
    q.take(later);  // stuck from here
    q.push(frame("c"), true, later);
    q.push(frame("d"), true, later);
    BOOST_TEST((q.push(frame("e"), true, later + 400ms) == result::replaced));
    BOOST_TEST((q.push(frame("f"), true, later + 600ms) == result::close));
}

BOOST_AUTO_TEST_CASE(undroppable_frames_exceed_the_soft_capacity_up_to_the_hard_one_only) {
    frame_queue q(3, 500ms);
    for (int i = 0; i < 3; ++i) BOOST_TEST((q.push(frame("pong"), false, t0) == result::queued));
    BOOST_TEST(q.full());
    // Nothing droppable to replace: a droppable newcomer is dropped, a pong still queues.
    BOOST_TEST((q.push(frame("stats"), true, t0) == result::dropped));
    for (int i = 0; i < 3; ++i) BOOST_TEST((q.push(frame("pong"), false, t0) == result::queued));
    BOOST_TEST(q.size() == q.hard_capacity());
    BOOST_TEST((q.push(frame("pong"), false, t0) == result::close));
    BOOST_TEST(q.dropped() == 1u + 6 + 1);
}

BOOST_AUTO_TEST_CASE(frames_come_out_in_order_with_the_stale_one_replaced) {
    frame_queue q(3, 500ms);
    q.push(frame("hello"), false, t0);
    q.push(frame("stats1"), true, t0);
    q.push(frame("health"), false, t0);
    BOOST_TEST((q.push(frame("stats2"), true, t0) == result::replaced));
    std::string order;
    while (!q.empty()) {
        order += *q.take(t0) + " ";
        q.written(t0);
    }
    BOOST_TEST(order == "hello health stats2 ");
}

BOOST_AUTO_TEST_SUITE_END()
