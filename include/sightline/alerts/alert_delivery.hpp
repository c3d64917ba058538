#pragma once
#include <atomic>
#include <boost/json/object.hpp>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "sightline/alerts/alert_evaluator.hpp"
#include "sightline/alerts/alerts_config.hpp"
#include "sightline/core/net.hpp"

namespace sightline {

/// Hands alerts to Prometheus Alertmanager (v2 API) and to webhooks, asynchronously on
/// the io_context: each receiver has its own bounded queue and worker, so a receiver
/// that is down or slow delays only its own messages, never the pipeline or the others.
/// Each message is tried up to `max_attempts` times with doubling backoff; failures are
/// counted and logged once per failure streak.
class alert_delivery : public std::enable_shared_from_this<alert_delivery> {
public:
    /// `generator_url` links each alert back to Sightline (its /alerts page).
    alert_delivery(net::io_context& ioc, const alerts_config& cfg, std::string generator_url);
    ~alert_delivery();

    /// Starts the workers and the Alertmanager resend timer.
    void start();
    /// Stops the workers; queued messages are abandoned.
    void stop();
    /// Takes one tick's transitions and the alerts firing now (any thread; returns at once).
    void notify(std::vector<alert> changed, std::vector<alert> firing);
    /// Each receiver's delivery counters; any thread.
    std::vector<alert_receiver_stats> stats() const;

    /// The Alertmanager v2 body for these alerts (an array of {labels, annotations,
    /// startsAt, endsAt, generatorURL}). Firing alerts get endsAt = now + `firing_ttl`,
    /// so Alertmanager resolves them itself if Sightline goes away.
    static std::string alertmanager_body(const std::vector<alert>& alerts, const std::string& generator_url,
                                         std::chrono::system_clock::time_point now,
                                         std::chrono::milliseconds firing_ttl);
    /// The webhook body: {"version":"1","source":"sightline","status","alerts":[...]}.
    static std::string webhook_body(const std::vector<alert>& changed, const std::string& generator_url);

private:
    struct receiver {
        std::string kind;  // "alertmanager" or "webhook"
        http_url url;
        std::shared_ptr<const tls_client> tls;  // with an https url
        std::deque<std::string> queue;
        std::unique_ptr<net::steady_timer> wake;
        std::unique_ptr<net::steady_timer> backoff;
        bool failing = false;
        std::atomic<std::uint64_t> sent{0}, failed_attempts{0}, retries{0}, dropped{0}, queued{0};
        std::atomic<bool> failing_now{false};
    };
    void enqueue(receiver& r, std::string body);
    net::awaitable<void> work(receiver& r);
    net::awaitable<void> resend();

    net::strand<net::io_context::executor_type> strand_;
    alert_delivery_config cfg_;
    std::chrono::milliseconds resend_interval_;
    std::string generator_url_;
    std::vector<std::unique_ptr<receiver>> receivers_;
    receiver* alertmanager_ = nullptr;
    std::vector<alert> firing_;  // as of the last tick, for resends
    net::steady_timer resend_timer_;
    bool stopped_ = false;
};

}  // namespace sightline
