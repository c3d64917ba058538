#include "sightline/web/frame_queue.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <memory>
#include <string>

using namespace std::chrono_literals;
using sightline::frame_kind;
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
            auto r = q.push(frame("stats"), frame_kind::stats, now);
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
    BOOST_TEST((q.push(frame("hello"), frame_kind::control, t0) == result::queued));
    q.take(t0);  // written to a client that never reads: it never completes
    for (int i = 0; i < 4; ++i) BOOST_TEST((q.push(frame("stats"), frame_kind::stats, t0 + 100ms) == result::queued));
    BOOST_TEST(q.full());
    // Full, but not yet behind for long: the oldest stats frame makes way.
    BOOST_TEST((q.push(frame("stats"), frame_kind::stats, t0 + 500ms) == result::replaced));
    BOOST_TEST((q.push(frame("pong"), frame_kind::control, t0 + 500ms) == result::replaced));
    BOOST_TEST(q.dropped() == 2u);
    // No progress for more than 500 ms since the write began.
    BOOST_TEST((q.push(frame("stats"), frame_kind::stats, t0 + 501ms) == result::close));
    // Closing loses what waited (4) and the newcomer: all counted.
    BOOST_TEST(q.empty());
    BOOST_TEST(q.dropped() == 2u + 4 + 1);
}

BOOST_AUTO_TEST_CASE(time_spent_idle_with_an_empty_queue_does_not_count_as_behind) {
    frame_queue q(2, 500ms);
    q.push(frame("a"), frame_kind::stats, t0);
    q.take(t0);
    q.written(t0 + 1ms);
    // An hour later the client is idle, not behind: a full queue only replaces frames.
    auto later = t0 + 1h;
    q.push(frame("b"), frame_kind::stats, later);
    q.take(later);  // stuck from here
    q.push(frame("c"), frame_kind::stats, later);
    q.push(frame("d"), frame_kind::stats, later);
    BOOST_TEST((q.push(frame("e"), frame_kind::stats, later + 400ms) == result::replaced));
    BOOST_TEST((q.push(frame("f"), frame_kind::stats, later + 600ms) == result::close));
}

BOOST_AUTO_TEST_CASE(undroppable_frames_exceed_the_soft_capacity_up_to_the_hard_one_only) {
    frame_queue q(3, 500ms);
    for (int i = 0; i < 3; ++i) BOOST_TEST((q.push(frame("pong"), frame_kind::control, t0) == result::queued));
    BOOST_TEST(q.full());
    // Nothing droppable to replace: a droppable newcomer is dropped, a pong still queues.
    BOOST_TEST((q.push(frame("stats"), frame_kind::stats, t0) == result::dropped));
    for (int i = 0; i < 3; ++i) BOOST_TEST((q.push(frame("pong"), frame_kind::control, t0) == result::queued));
    BOOST_TEST(q.size() == q.hard_capacity());
    BOOST_TEST((q.push(frame("pong"), frame_kind::control, t0) == result::close));
    BOOST_TEST(q.dropped() == 1u + 6 + 1);
}

BOOST_AUTO_TEST_CASE(frames_come_out_in_order_with_the_stale_one_replaced) {
    frame_queue q(3, 500ms);
    q.push(frame("hello"), frame_kind::control, t0);
    q.push(frame("stats1"), frame_kind::stats, t0);
    q.push(frame("health"), frame_kind::control, t0);
    BOOST_TEST((q.push(frame("stats2"), frame_kind::stats, t0) == result::replaced));
    std::string order;
    while (!q.empty()) {
        order += *q.take(t0) + " ";
        q.written(t0);
    }
    BOOST_TEST(order == "hello health stats2 ");
}

BOOST_AUTO_TEST_CASE(the_queue_is_bounded_in_bytes_and_drops_are_counted_by_kind) {
    frame_queue q(64, 500ms, 100);  // 64 frames, but only 100 bytes
    auto bytes = [](char c, std::size_t n) { return frame(std::string(n, c)); };
    BOOST_TEST((q.push(bytes('s', 40), frame_kind::stats, t0) == result::queued));
    BOOST_TEST((q.push(bytes('t', 40), frame_kind::trace, t0) == result::queued));
    BOOST_TEST(q.bytes() == 80u);
    // 50 more do not fit: the oldest droppable (the stats frame) goes for them.
    BOOST_TEST((q.push(bytes('e', 50), frame_kind::error, t0) == result::replaced));
    BOOST_TEST(q.bytes() == 90u);
    BOOST_TEST(q.dropped(frame_kind::stats) == 1u);
    // 95 fit only when both go: the trace and the error frame, counted as such.
    BOOST_TEST((q.push(bytes('x', 95), frame_kind::trace, t0) == result::replaced));
    BOOST_TEST(q.dropped(frame_kind::trace) == 1u);
    BOOST_TEST(q.dropped(frame_kind::error) == 1u);
    BOOST_TEST(q.size() == 1u);
    // A droppable frame bigger than the bound itself could never fit: it alone goes.
    BOOST_TEST((q.push(bytes('y', 150), frame_kind::trace, t0) == result::dropped));
    BOOST_TEST(q.dropped(frame_kind::trace) == 2u);
    BOOST_TEST(q.dropped() == 4u);
    BOOST_TEST(q.size() == 1u);
}

BOOST_AUTO_TEST_CASE(frames_that_are_never_dropped_go_past_the_byte_bound_up_to_twice_it) {
    frame_queue q(64, 500ms, 100);
    BOOST_TEST((q.push(frame(std::string(90, 'h')), frame_kind::control, t0) == result::queued));
    BOOST_TEST((q.push(frame(std::string(90, 'p')), frame_kind::control, t0) == result::queued));
    BOOST_TEST(q.full());
    BOOST_TEST(q.bytes() == 180u);
    // Past 200 bytes: the client is closed, everything counted as lost.
    BOOST_TEST((q.push(frame(std::string(30, 'a')), frame_kind::control, t0) == result::close));
    BOOST_TEST(q.dropped(frame_kind::control) == 3u);
    BOOST_TEST(q.bytes() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
