#include "sightline/alerts/alert_delivery.hpp"

#include <boost/json/serialize.hpp>

#include "sightline/alerts/http_post.hpp"
#include "sightline/core/log.hpp"
#include "sightline/core/log_exit.hpp"
#include "sightline/core/time_format.hpp"

namespace sightline {

namespace json = boost::json;

alert_delivery::alert_delivery(net::io_context& ioc, const alerts_config& cfg, std::string generator_url)
    : strand_(net::make_strand(ioc)),
      cfg_(cfg.delivery),
      resend_interval_(cfg.resend_interval_ms),
      generator_url_(std::move(generator_url)),
      resend_timer_(strand_) {
    auto add = [&](std::string kind, const http_url& url, const std::optional<tls_client_settings>& tls) {
        auto r = std::make_unique<receiver>();
        r->kind = std::move(kind);
        r->url = url;
        if (url.https) r->tls = make_tls_client(tls.value_or(tls_client_settings{}), "alerts " + r->kind + " " + url.text);
        r->wake = std::make_unique<net::steady_timer>(strand_);
        r->backoff = std::make_unique<net::steady_timer>(strand_);
        receivers_.push_back(std::move(r));
        return receivers_.back().get();
    };
    if (cfg.alertmanager) {
        // The configured URL is Alertmanager's base; alerts go to its v2 API under it.
        auto url = cfg.alertmanager->url;
        if (url.target.ends_with('/')) url.target.pop_back();
        url.target += "/api/v2/alerts";
        alertmanager_ = add("alertmanager", url, cfg.alertmanager->tls);
    }
    for (const auto& w : cfg.webhooks) add("webhook", w.url, w.tls);
}

alert_delivery::~alert_delivery() = default;

void alert_delivery::start() {
    for (auto& r : receivers_)
        net::co_spawn(strand_, [self = shared_from_this(), r = r.get()] { return self->work(*r); },
                      log_exit("alerts", "delivery to " + r->url.text));
    if (alertmanager_)
        net::co_spawn(strand_, [self = shared_from_this()] { return self->resend(); }, log_exit("alerts", "alertmanager resend"));
}

void alert_delivery::stop() {
    net::post(strand_, [self = shared_from_this()] {
        self->stopped_ = true;
        self->resend_timer_.cancel();
        for (auto& r : self->receivers_) {
            r->wake->cancel();
            r->backoff->cancel();
        }
    });
}

void alert_delivery::notify(std::vector<alert> changed, std::vector<alert> firing) {
    if (receivers_.empty()) return;
    net::post(strand_, [self = shared_from_this(), changed = std::move(changed), firing = std::move(firing)] {
        if (self->stopped_) return;
        self->firing_ = firing;
        std::vector<alert> delivered;  // pending is internal: receivers hear of firing and resolved
        for (const auto& a : changed)
            if (a.state != alert_state::pending) delivered.push_back(a);
        if (delivered.empty()) return;
        auto now = std::chrono::system_clock::now();
        for (auto& r : self->receivers_)
            self->enqueue(*r, r->kind == "alertmanager"
                                  ? alertmanager_body(delivered, self->generator_url_, now, 4 * self->resend_interval_)
                                  : webhook_body(delivered, self->generator_url_));
    });
}

void alert_delivery::enqueue(receiver& r, std::string body) {
    if (r.queue.size() >= static_cast<std::size_t>(cfg_.queue_capacity)) {
        r.queue.pop_front();  // the newest state matters most
        ++r.dropped;
        log::write(log::level::warn, "alerts", "alert_delivery_queue_full",
                   {{"receiver", r.kind}, {"url", r.url.text}, {"capacity", cfg_.queue_capacity}});
    }
    r.queue.push_back(std::move(body));
    r.queued = r.queue.size();
    r.wake->cancel();
}

net::awaitable<void> alert_delivery::work(receiver& r) {
    auto self = shared_from_this();  // the coroutine keeps the delivery alive
    while (!stopped_) {
        if (r.queue.empty()) {
            r.wake->expires_at(net::steady_timer::time_point::max());
            co_await r.wake->async_wait(use_aw_ec);
            continue;
        }
        // In flight: out of the queue, so making room never drops the message being tried.
        std::string body = std::move(r.queue.front());
        r.queue.pop_front();
        r.queued = r.queue.size();
        for (std::int64_t attempt = 1; !stopped_; ++attempt) {
            auto res = co_await http_post(r.url, body, std::chrono::milliseconds(cfg_.timeout_ms), r.tls);
            if (stopped_) co_return;
            if (res.ok) {
                ++r.sent;
                if (r.failing)
                    log::write(log::level::info, "alerts", "alert_delivery_recovered",
                               {{"receiver", r.kind}, {"url", r.url.text}});
                r.failing = false;
                r.failing_now = false;
                break;
            }
            ++r.failed_attempts;
            if (!r.failing)  // once per failure streak: the counters say how long it lasts
                log::write(log::level::warn, "alerts", "alert_delivery_failed",
                           {{"receiver", r.kind}, {"url", r.url.text}, {"error", res.error}, {"attempt", attempt}});
            r.failing = true;
            r.failing_now = true;
            if (attempt >= cfg_.max_attempts) {
                ++r.dropped;
                log::write(log::level::warn, "alerts", "alert_delivery_gave_up",
                           {{"receiver", r.kind}, {"url", r.url.text}, {"attempts", attempt}, {"error", res.error}});
                break;
            }
            ++r.retries;
            auto delay = std::min<std::int64_t>(cfg_.max_backoff_ms, cfg_.backoff_ms << std::min<std::int64_t>(attempt - 1, 30));
            r.backoff->expires_after(std::chrono::milliseconds(delay));
            co_await r.backoff->async_wait(use_aw_ec);
        }
    }
}

net::awaitable<void> alert_delivery::resend() {
    auto self = shared_from_this();
    while (!stopped_) {
        resend_timer_.expires_after(resend_interval_);
        auto [ec] = co_await resend_timer_.async_wait(use_aw_ec);
        if (ec || stopped_) co_return;
        if (!firing_.empty())
            enqueue(*alertmanager_, alertmanager_body(firing_, generator_url_, std::chrono::system_clock::now(),
                                                      4 * resend_interval_));
    }
}

std::string alert_delivery::alertmanager_body(const std::vector<alert>& alerts, const std::string& generator_url,
                                              std::chrono::system_clock::time_point now,
                                              std::chrono::milliseconds firing_ttl) {
    json::array list;
    for (const auto& a : alerts) {
        json::object o{{"labels", to_json(a.labels)}, {"annotations", to_json(a.annotations)},
                       {"generatorURL", generator_url}};
        o["startsAt"] = format_rfc3339(a.starts_at.value_or(a.active_at));
        o["endsAt"] = format_rfc3339(a.state == alert_state::resolved && a.ends_at ? *a.ends_at
                                                                                    : now + std::chrono::duration_cast<std::chrono::system_clock::duration>(firing_ttl));
        list.push_back(std::move(o));
    }
    return json::serialize(list);
}

std::string alert_delivery::webhook_body(const std::vector<alert>& changed, const std::string& generator_url) {
    json::array list;
    bool any_firing = false;
    for (const auto& a : changed) {
        auto o = a.to_json();
        o["generator_url"] = generator_url;
        any_firing = any_firing || a.state == alert_state::firing;
        list.push_back(std::move(o));
    }
    return json::serialize(json::object{
        {"version", "1"}, {"source", "sightline"}, {"status", any_firing ? "firing" : "resolved"}, {"alerts", std::move(list)}});
}

std::vector<alert_receiver_stats> alert_delivery::stats() const {
    std::vector<alert_receiver_stats> list;
    for (const auto& r : receivers_)
        list.push_back({r->kind, r->url.text, r->sent.load(), r->failed_attempts.load(), r->retries.load(),
                        r->dropped.load(), r->queued.load(), r->failing_now.load()});
    return list;
}

}  // namespace sightline
