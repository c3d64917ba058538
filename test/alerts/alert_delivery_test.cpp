#include "sightline/alerts/alert_delivery.hpp"

#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace json = boost::json;
namespace net = sightline::net;
namespace http = sightline::http;
namespace beast = sightline::beast;
using namespace std::chrono_literals;
using sightline::alert;
using sightline::alert_delivery;
using sightline::alert_state;
using sightline::tcp;
using sightline::use_aw_ec;

namespace {

/// An HTTP receiver on 127.0.0.1 that records every request body and answers after
/// `delay` with `status`.
struct receiver_stub : std::enable_shared_from_this<receiver_stub> {
    tcp::acceptor acceptor;
    std::vector<std::string> bodies;     // every request that arrived
    std::vector<std::string> targets;
    std::chrono::milliseconds delay{0};
    unsigned status = 200;
    unsigned answered = 0;

    receiver_stub(net::io_context& io, unsigned short port) : acceptor(io, {net::ip::make_address("127.0.0.1"), port}) {}

    void start() {
        net::co_spawn(acceptor.get_executor(), [self = shared_from_this()] { return self->accept(); }, net::detached);
    }
    net::awaitable<void> accept() {
        for (;;) {
            auto [ec, socket] = co_await acceptor.async_accept(use_aw_ec);
            if (ec) co_return;
            net::co_spawn(acceptor.get_executor(), [self = shared_from_this(), s = std::move(socket)]() mutable {
                return self->serve(std::move(s));
            }, net::detached);
        }
    }
    net::awaitable<void> serve(tcp::socket socket) {
        beast::flat_buffer buffer;
        http::request<http::string_body> req;
        auto [ec, n] = co_await http::async_read(socket, buffer, req, use_aw_ec);
        if (ec) co_return;
        bodies.push_back(req.body());
        targets.push_back(std::string(req.target()));
        if (delay.count()) {
            net::steady_timer t(socket.get_executor(), delay);
            co_await t.async_wait(use_aw_ec);
        }
        http::response<http::string_body> res{static_cast<http::status>(status), 11};
        res.body() = "{}";
        res.prepare_payload();
        auto [wec, w] = co_await http::async_write(socket, res, use_aw_ec);
        if (!wec) ++answered;
    }
};

/// A loopback port nothing listens on (bound, then closed).
unsigned short free_port(net::io_context& io) {
    tcp::acceptor a(io, {net::ip::make_address("127.0.0.1"), 0});
    return a.local_endpoint().port();
}

/// Runs `io` until `done()` or `limit` passes; false on timeout.
bool run_until(net::io_context& io, const std::function<bool()>& done, std::chrono::milliseconds limit = 10s) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        io.restart();
        io.run_for(5ms);
    }
    return true;
}

alert firing_alert() {
    alert a;
    a.labels = {{"alertname", "HighErrorRate"}, {"severity", "critical"}, {"stage", "enrich"}};
    a.annotations = {{"summary", "enrich fails 10.0% of lines"}};
    a.state = alert_state::firing;
    a.value = 0.1;
    a.threshold = 0.05;
    a.active_at = std::chrono::system_clock::now() - 10s;
    a.starts_at = std::chrono::system_clock::now();
    return a;
}

sightline::alerts_config config_for(const std::string& url, const std::string& kind) {
    sightline::alerts_config cfg;
    std::string why;
    auto u = sightline::parse_http_url(url, why);
    BOOST_REQUIRE_MESSAGE(u, why);
    if (kind == "alertmanager")
        cfg.alertmanager = sightline::alert_receiver{*u, std::nullopt};
    else
        cfg.webhooks.push_back({*u, std::nullopt});
    cfg.delivery.timeout_ms = 200;
    cfg.delivery.backoff_ms = 20;
    cfg.delivery.max_backoff_ms = 50;
    cfg.delivery.max_attempts = 1000;
    return cfg;
}

/// An io_context kept busy and a free loopback port, the set-up of every case.
struct loop {
    net::io_context io;
    net::executor_work_guard<net::io_context::executor_type> guard = net::make_work_guard(io);
    unsigned short port = free_port(io);
    std::string url(const std::string& path = "") const { return "http://127.0.0.1:" + std::to_string(port) + path; }
    /// Stops the delivery and lets its workers see it.
    void finish(alert_delivery& d) {
        d.stop();
        io.restart();
        io.run_for(std::chrono::milliseconds(50));
    }
};

sightline::alert_receiver_stats receiver(const alert_delivery& d) { return d.stats().at(0); }

std::uint64_t counter(const alert_delivery& d, std::string_view name) {
    auto r = receiver(d);
    if (name == "sent") return r.sent;
    if (name == "failed_attempts") return r.failed_attempts;
    if (name == "retries") return r.retries;
    if (name == "dropped") return r.dropped;
    if (name == "queued") return r.queued;
    throw std::invalid_argument(std::string(name));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(alert_delivery_tests)

BOOST_AUTO_TEST_CASE(a_webhook_that_is_down_then_slow_then_up_gets_the_alert_and_retries_are_counted) {
    loop l;
    auto& io = l.io;
    auto port = l.port;
    auto cfg = config_for("http://127.0.0.1:" + std::to_string(port) + "/hook", "webhook");
    auto d = std::make_shared<alert_delivery>(io, cfg, "http://127.0.0.1:8000/alerts");
    d->start();
    d->notify({firing_alert()}, {firing_alert()});

    // Down: connections are refused.
    BOOST_REQUIRE(run_until(io, [&] { return counter(*d, "failed_attempts") >= 2; }));
    BOOST_TEST(counter(*d, "sent") == 0u);
    BOOST_TEST(receiver(*d).failing);

    // Slow: it answers after the 200 ms timeout.
    auto stub = std::make_shared<receiver_stub>(io, port);
    stub->delay = 600ms;
    stub->start();
    auto failed_before = counter(*d, "failed_attempts");
    BOOST_REQUIRE(run_until(io, [&] { return stub->bodies.size() >= 2 && counter(*d, "failed_attempts") >= failed_before + 2; }));
    BOOST_TEST(counter(*d, "sent") == 0u);

    // Up: the next attempt goes through.
    stub->delay = 0ms;
    BOOST_REQUIRE(run_until(io, [&] { return counter(*d, "sent") == 1u; }));
    BOOST_TEST(counter(*d, "retries") == counter(*d, "failed_attempts"));
    BOOST_TEST(counter(*d, "failed_attempts") >= 4u);
    BOOST_TEST(counter(*d, "dropped") == 0u);
    BOOST_TEST(counter(*d, "queued") == 0u);
    BOOST_TEST(!receiver(*d).failing);
    BOOST_TEST(stub->targets.back() == "/hook");
    auto body = json::parse(stub->bodies.back()).as_object();
    BOOST_TEST(body.at("version").as_string() == "1");
    BOOST_TEST(body.at("source").as_string() == "sightline");
    BOOST_TEST(body.at("status").as_string() == "firing");
    const auto& a = body.at("alerts").as_array().at(0).as_object();
    BOOST_TEST(a.at("labels").at("alertname").as_string() == "HighErrorRate");
    BOOST_TEST(a.at("labels").at("stage").as_string() == "enrich");
    BOOST_TEST(a.at("annotations").at("summary").as_string() == "enrich fails 10.0% of lines");
    BOOST_TEST(a.at("state").as_string() == "firing");
    BOOST_TEST(a.at("generator_url").as_string() == "http://127.0.0.1:8000/alerts");
    l.finish(*d);
}

BOOST_AUTO_TEST_CASE(alertmanager_gets_v2_alerts_and_pending_is_not_delivered) {
    loop l;
    auto& io = l.io;
    auto port = l.port;
    auto stub = std::make_shared<receiver_stub>(io, port);
    stub->start();
    auto d = std::make_shared<alert_delivery>(io, config_for("http://127.0.0.1:" + std::to_string(port), "alertmanager"),
                                              "http://127.0.0.1:8000/alerts");
    d->start();
    auto pending = firing_alert();
    pending.state = alert_state::pending;
    d->notify({pending}, {});
    auto resolved = firing_alert();
    resolved.state = alert_state::resolved;
    resolved.ends_at = std::chrono::system_clock::now();
    d->notify({firing_alert()}, {firing_alert()});
    d->notify({resolved}, {});
    BOOST_REQUIRE(run_until(io, [&] { return stub->answered == 2; }));
    io.run_for(50ms);
    BOOST_REQUIRE_EQUAL(stub->bodies.size(), 2u);  // firing and resolved; pending stays inside
    BOOST_TEST(stub->targets[0] == "/api/v2/alerts");
    auto fired = json::parse(stub->bodies[0]).as_array();
    BOOST_REQUIRE_EQUAL(fired.size(), 1u);
    BOOST_TEST(fired[0].at("labels").at("alertname").as_string() == "HighErrorRate");
    BOOST_TEST(fired[0].at("generatorURL").as_string() == "http://127.0.0.1:8000/alerts");
    // Firing: endsAt is in the future (Alertmanager resolves it if we go away).
    BOOST_TEST(fired[0].at("endsAt").as_string() > fired[0].at("startsAt").as_string());
    auto ended = json::parse(stub->bodies[1]).as_array();
    BOOST_TEST(ended[0].at("endsAt").as_string() < fired[0].at("endsAt").as_string());
    BOOST_TEST(counter(*d, "sent") == 2u);
    l.finish(*d);
}

BOOST_AUTO_TEST_CASE(firing_alerts_are_resent_to_alertmanager_until_they_resolve) {
    loop l;
    auto& io = l.io;
    auto port = l.port;
    auto stub = std::make_shared<receiver_stub>(io, port);
    stub->start();
    auto cfg = config_for("http://127.0.0.1:" + std::to_string(port), "alertmanager");
    cfg.resend_interval_ms = 100;
    auto d = std::make_shared<alert_delivery>(io, cfg, "http://x/alerts");
    d->start();
    d->notify({firing_alert()}, {firing_alert()});
    BOOST_REQUIRE(run_until(io, [&] { return stub->answered >= 3; }));  // the first send and two resends
    for (const auto& body : stub->bodies)
        BOOST_TEST(json::parse(body).as_array().at(0).at("labels").at("alertname").as_string() == "HighErrorRate");
    // Resolved: one last message with endsAt, and no resends after it.
    auto resolved = firing_alert();
    resolved.state = alert_state::resolved;
    resolved.ends_at = std::chrono::system_clock::now();
    d->notify({resolved}, {});
    auto resolved_at = stub->bodies.size();
    BOOST_REQUIRE(run_until(io, [&] { return stub->bodies.size() > resolved_at; }));
    auto seen = stub->bodies.size();
    io.restart();
    io.run_for(350ms);  // three resend intervals: nothing is firing, nothing is sent
    BOOST_TEST(stub->bodies.size() == seen);
    l.finish(*d);
}

BOOST_AUTO_TEST_CASE(the_queue_is_bounded_and_the_oldest_messages_go_first) {
    loop l;
    auto& io = l.io;
    auto port = l.port;
    auto cfg = config_for("http://127.0.0.1:" + std::to_string(port) + "/hook", "webhook");
    cfg.delivery.queue_capacity = 2;
    cfg.delivery.backoff_ms = 60000;  // the first message waits; the rest queue up
    auto d = std::make_shared<alert_delivery>(io, cfg, "http://x/alerts");
    d->start();
    for (int i = 0; i < 5; ++i) d->notify({firing_alert()}, {});
    BOOST_REQUIRE(run_until(io, [&] { return counter(*d, "failed_attempts") == 1u; }));
    BOOST_TEST(counter(*d, "dropped") == 3u);  // 5 arrived before the worker took one: 2 fit
    BOOST_TEST(counter(*d, "queued") == 1u);   // one in flight, one waiting
    l.finish(*d);
}

BOOST_AUTO_TEST_CASE(gives_up_after_max_attempts_and_counts_it) {
    loop l;
    auto& io = l.io;
    auto port = l.port;
    auto cfg = config_for("http://127.0.0.1:" + std::to_string(port) + "/hook", "webhook");
    cfg.delivery.max_attempts = 3;
    cfg.delivery.backoff_ms = 1;
    auto d = std::make_shared<alert_delivery>(io, cfg, "http://x/alerts");
    d->start();
    d->notify({firing_alert()}, {});
    BOOST_REQUIRE(run_until(io, [&] { return counter(*d, "dropped") == 1u; }));
    BOOST_TEST(counter(*d, "failed_attempts") == 3u);
    BOOST_TEST(counter(*d, "retries") == 2u);
    BOOST_TEST(counter(*d, "sent") == 0u);
    l.finish(*d);
}

BOOST_AUTO_TEST_SUITE_END()
