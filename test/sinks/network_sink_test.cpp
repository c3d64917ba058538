// The delivery machinery every network sink shares (network_sink), with a scripted
// protocol in place of a server: how lines become messages, the window, retries, the
// dead letter, receipts, and the accounting identity.
#include "sightline/sinks/network_sink.hpp"

#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

#include <deque>
#include <map>
#include <string>
#include <vector>

#include "sightline/core/log_exit.hpp"
#include "../support/test_support.hpp"

using namespace sightline;
using sightline::test::batch_of;
using sightline::test::capture;
using sightline::test::feed;
using sightline::test::run_until;
using strings = std::vector<std::string>;

namespace {

/// Answers each attempt with the next scripted result (then "delivered"), recording
/// what each attempt carried; `hold` keeps attempts waiting until released.
class scripted_sink final : public network_sink {
public:
    scripted_sink(net::io_context& ioc, network_sink_options o, bool keyed = false)
        : network_sink(ioc, "out", "scripted", std::move(o)), keyed_(keyed) {}

    std::deque<delivery_result> script;
    std::vector<std::pair<std::string, std::string>> attempts;  // key, payload
    std::size_t most_at_once = 0;

private:
    void key_of(const line_batch& batch, std::size_t i, std::string& key) override {
        if (!keyed_) return network_sink::key_of(batch, i, key);
        key.assign(batch.text(i).substr(0, 1));  // lines starting alike share a message
    }

    net::awaitable<delivery_result> deliver(outgoing_message& m) override {
        ++now_;
        most_at_once = std::max(most_at_once, now_);
        attempts.emplace_back(m.key, m.payload);
        // Let the other deliveries of the window start before this one answers.
        net::steady_timer pause(strand_, std::chrono::milliseconds(2));
        co_await pause.async_wait(use_aw_ec);
        --now_;
        if (script.empty()) co_return delivery_result::delivered();
        auto r = std::move(script.front());
        script.pop_front();
        co_return r;
    }

    bool keyed_;
    std::size_t now_ = 0;
};

network_sink_options options(std::size_t lines, std::size_t bytes, std::size_t in_flight = 1) {
    network_sink_options o;
    o.batch_max_lines = lines;
    o.batch_max_bytes = bytes;
    o.batch_timeout = std::chrono::milliseconds(5);
    o.max_in_flight = in_flight;
    o.retry.attempts = 3;
    o.retry.backoff = o.retry.max_backoff = std::chrono::milliseconds(1);
    return o;
}

struct run_result {
    bool finished = false;
    strings dead;
};

run_result run(net::io_context& ioc, const std::shared_ptr<scripted_sink>& s, std::vector<line_batch> batches) {
    auto dead = std::make_shared<capture>(ioc);
    dead->start();
    s->set_dead_letter(dead.get());
    bool done = false;
    s->add_producer();
    s->start([&] { done = true; });
    net::co_spawn(ioc, feed(s.get(), std::move(batches)), log_exit("test", "feed"));
    run_result r;
    r.finished = run_until(ioc, [&] { return done && dead->ended(); });
    r.dead = dead->lines();
    return r;
}

delivery_stats delivery_of(const scripted_sink& s) { return *s.stats().delivery; }

/// Sets `early` if, while the first attempts fail, the receipt was already let go.
net::awaitable<void> released_early(std::weak_ptr<int> watch, std::shared_ptr<scripted_sink> s, std::shared_ptr<bool> early) {
    net::steady_timer t(co_await net::this_coro::executor, std::chrono::milliseconds(3));
    co_await t.async_wait(use_aw_ec);
    if (watch.expired() && s->metrics.lines.get() == 0) *early = true;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(network_sink_tests)

BOOST_AUTO_TEST_CASE(lines_fill_messages_up_to_the_line_and_byte_limits_in_order) {
    net::io_context ioc;
    auto s = std::make_shared<scripted_sink>(ioc, options(3, 12));
    auto r = run(ioc, s, {batch_of({"a", "b", "c", "d"}), batch_of({"0123456789", "e"})});
    BOOST_REQUIRE(r.finished);
    strings payloads;
    for (const auto& [key, p] : s->attempts) payloads.push_back(p);
    // 3 lines; then "d\n" + "0123456789\n" would pass 12 bytes, so the long line opens the next.
    BOOST_TEST(payloads == (strings{"a\nb\nc\n", "d\n", "0123456789\n", "e\n"}), boost::test_tools::per_element());
    auto d = delivery_of(*s);
    BOOST_TEST(s->metrics.lines.get() == 6u);
    BOOST_TEST(d.accepted == 6u);
    BOOST_TEST(d.delivered_messages == 4u);
    BOOST_TEST(d.in_flight_lines == 0u);
    BOOST_TEST(d.connected);
    BOOST_TEST(r.dead.empty());
}

BOOST_AUTO_TEST_CASE(lines_with_different_keys_go_in_different_messages) {
    net::io_context ioc;
    auto s = std::make_shared<scripted_sink>(ioc, options(100, 1 << 20), true);
    auto r = run(ioc, s, {batch_of({"x1", "y1", "x2", "y2", "x3"})});
    BOOST_REQUIRE(r.finished);
    std::map<std::string, std::string> by_key;
    for (const auto& [key, p] : s->attempts) by_key[key] += p;
    BOOST_TEST(by_key.size() == 2u);
    BOOST_TEST(by_key["x"] == "x1\nx2\nx3\n");
    BOOST_TEST(by_key["y"] == "y1\ny2\n");
}

BOOST_AUTO_TEST_CASE(the_window_bounds_deliveries_at_once) {
    net::io_context ioc;
    auto s = std::make_shared<scripted_sink>(ioc, options(1, 1 << 20, 3));
    std::vector<line_batch> batches;
    for (int i = 0; i < 10; ++i) batches.push_back(batch_of({"l" + std::to_string(i)}));
    auto r = run(ioc, s, std::move(batches));
    BOOST_REQUIRE(r.finished);
    BOOST_TEST(s->attempts.size() == 10u);
    BOOST_TEST(s->most_at_once == 3u);
    BOOST_TEST(s->metrics.lines.get() == 10u);
}

BOOST_AUTO_TEST_CASE(retries_resend_the_message_and_past_the_last_attempt_its_lines_go_to_the_dead_letter) {
    net::io_context ioc;
    auto s = std::make_shared<scripted_sink>(ioc, options(2, 1 << 20));
    // First message: three failures (max_attempts 3): dead letter. Second: one failure, then delivered.
    s->script = {delivery_result::retry("down"), delivery_result::retry("down"), delivery_result::retry("still down"),
                 delivery_result::retry("down"), delivery_result::delivered()};
    auto r = run(ioc, s, {batch_of({"a", "b", "c", "d"})});
    BOOST_REQUIRE(r.finished);
    strings payloads;
    for (const auto& [key, p] : s->attempts) payloads.push_back(p);
    BOOST_TEST(payloads == (strings{"a\nb\n", "a\nb\n", "a\nb\n", "c\nd\n", "c\nd\n"}), boost::test_tools::per_element());
    auto d = delivery_of(*s);
    BOOST_TEST(d.retries == 4u);
    BOOST_TEST(s->metrics.lines.get() == 2u);
    BOOST_TEST(s->metrics.errors.get() == 2u);
    BOOST_TEST(d.accepted == 4u);
    BOOST_TEST(d.in_flight_lines == 0u);
    BOOST_TEST(d.last_error == "down");
    BOOST_REQUIRE_EQUAL(r.dead.size(), 2u);
    strings lines;
    for (const auto& line : r.dead) {
        auto rec = boost::json::parse(line).as_object();
        BOOST_TEST(rec.at("stage").as_string() == "out");
        BOOST_TEST(rec.at("error_type").as_string() == "sink_delivery");
        BOOST_TEST(rec.at("error").as_string() == "gave up after 3 attempts: still down");
        lines.emplace_back(rec.at("line").as_string());
    }
    BOOST_TEST(lines == (strings{"a", "b"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(refused_lines_go_to_the_dead_letter_and_their_batch_mates_count_as_delivered) {
    net::io_context ioc;
    auto o = options(10, 1 << 20);
    o.batch_timeout = std::chrono::milliseconds(1000);  // the three lines stay one message
    auto s = std::make_shared<scripted_sink>(ioc, o);
    delivery_result partial;
    partial.refused = {{1, "HTTP 500: bad row"}};
    s->script = {partial};
    auto r = run(ioc, s, {batch_of({"good 1", "bad", "good 2"})});
    BOOST_REQUIRE(r.finished);
    BOOST_TEST(s->metrics.lines.get() == 2u);
    BOOST_TEST(s->metrics.errors.get() == 1u);
    BOOST_REQUIRE_EQUAL(r.dead.size(), 1u);
    auto rec = boost::json::parse(r.dead[0]).as_object();
    BOOST_TEST(rec.at("line").as_string() == "bad");
    BOOST_TEST(rec.at("error").as_string() == "HTTP 500: bad row");
    BOOST_TEST(delivery_of(*s).last_error == "HTTP 500: bad row");
}

BOOST_AUTO_TEST_CASE(a_receipt_is_released_only_once_its_lines_were_delivered) {
    net::io_context ioc;
    auto s = std::make_shared<scripted_sink>(ioc, options(10, 1 << 20));
    s->script = {delivery_result::retry("down"), delivery_result::retry("down")};
    auto token = std::make_shared<int>(7);
    std::weak_ptr<int> watch = token;
    auto b = batch_of({"held"});
    b.receipts.push_back(std::move(token));
    auto early = std::make_shared<bool>(false);
    net::co_spawn(ioc, released_early(watch, s, early), log_exit("test", "watch"));
    auto r = run(ioc, s, {std::move(b)});
    BOOST_REQUIRE(r.finished);
    BOOST_TEST(!*early);
    BOOST_TEST(s->metrics.lines.get() == 1u);
    BOOST_TEST(watch.expired());
}

BOOST_AUTO_TEST_SUITE_END()
