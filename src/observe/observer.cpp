#include "sightline/observe/observer.hpp"

#include <boost/json/serialize.hpp>

#include "sightline/core/log.hpp"
#include "sightline/core/log_exit.hpp"
#include "sightline/core/time_format.hpp"
#include "sightline/observe/health.hpp"
#include "sightline/observe/prometheus.hpp"

namespace sightline {

namespace json = boost::json;

observer::observer(net::io_context& ioc, std::function<json::object()> collect, std::chrono::milliseconds interval)
    : strand_(net::make_strand(ioc)), collect_(std::move(collect)), interval_(interval), timer_(strand_) {}

void observer::start() {
    tick_now();
    net::co_spawn(strand_, [self = shared_from_this()] { return self->run(); }, log_exit("observe", "observer"));
}

void observer::stop(std::function<void()> then) {
    // On the strand: the final snapshot must not race the ticking coroutine.
    net::post(strand_, [self = shared_from_this(), then = std::move(then)] {
        if (!self->stopped_) {
            self->tick_now();  // the last snapshot holds the final counts
            self->stopped_ = true;
            self->timer_.cancel();
        }
        if (then) then();
    });
}

std::shared_ptr<const snapshot> observer::latest() const {
    std::lock_guard lock(mutex_);
    return latest_;
}

void observer::tick_now() {
    auto s = build();
    {
        std::lock_guard lock(mutex_);
        latest_ = s;
    }
    if (listener_) listener_(s);
}

std::shared_ptr<const snapshot> observer::build() {
    auto now = std::chrono::steady_clock::now();
    auto stats = collect_();
    // Rates over the last tick and the last minute, from the same counters /stats shows.
    for (auto& kv : stats["processors"].as_object()) {
        auto& s = kv.value().as_object();
        auto r = rates_.update("stage:" + std::string(kv.key()), s.at("lines_in").to_number<double>(), now);
        s["lines_per_second"] = r.last_tick;
        s["lines_per_second_1m"] = r.last_minute;
        auto out = rates_.update("stage_out:" + std::string(kv.key()), s.at("lines_out").to_number<double>(), now);
        s["lines_out_per_second"] = out.last_tick;
        auto err = rates_.update("stage_err:" + std::string(kv.key()), s.at("errors").to_number<double>(), now);
        s["errors_per_second"] = err.last_tick;
        auto busy = rates_.update("stage_busy:" + std::string(kv.key()), s.at("processing_time_ms").to_number<double>(), now);
        s["utilization"] = std::min(1.0, busy.last_tick / 1000.0);  // busy ms per second over the tick
        double cap = s.at("queue_capacity").to_number<double>();
        s["queue_fill"] = cap > 0 ? std::min(1.0, s.at("queued_batches").to_number<double>() / cap) : 0.0;
    }
    for (auto& kv : stats["sources"].as_object()) {
        auto& s = kv.value().as_object();
        auto r = rates_.update("source:" + std::string(kv.key()), s.at("lines").to_number<double>(), now);
        s["lines_per_second"] = r.last_tick;
        s["lines_per_second_1m"] = r.last_minute;
    }
    for (auto& kv : stats["sinks"].as_object()) {
        auto& s = kv.value().as_object();
        auto r = rates_.update("sink:" + std::string(kv.key()), s.at("lines").to_number<double>(), now);
        s["lines_per_second"] = r.last_tick;
    }
    auto& system = stats["system"].as_object();
    auto total = rates_.update("system", system.at("total_lines").to_number<double>(), now);
    system["lines_per_second"] = total.last_tick;
    system["lines_per_second_1m"] = total.last_minute;
    auto cpu = rates_.update("cpu", system.at("cpu_seconds").to_number<double>(), now);
    system["cpu_percent"] = cpu.last_tick * 100.0;  // 100 = one core busy
    // The bottleneck is the busiest stage now, or the first whose input backs up.
    std::string bottleneck;
    double top = -1;
    for (const auto& kv : stats["processors"].as_object()) {
        const auto& s = kv.value().as_object();
        double score = s.at("utilization").as_double() + (s.at("queue_fill").as_double() >= 1.0 ? 1.0 : 0.0);
        if (score > top) {
            top = score;
            bottleneck = kv.key();
        }
    }
    if (bottleneck.empty())
        system["bottleneck_stage"] = nullptr;
    else
        system["bottleneck_stage"] = bottleneck;
    if (system_extra_) system_extra_(system);
    auto wall = std::chrono::system_clock::now();
    system["timestamp"] = format_rfc3339(wall);

    auto s = std::make_shared<snapshot>();
    s->seq = ++seq_;
    // Alerts see the same numbers /stats shows, rates included.
    std::vector<alert> changed;
    if (auto& ev = alerting_.evaluator) {
        changed = ev->evaluate(stats, previous_stats_, wall, now);
        auto summary = ev->summary_json();
        if (alerting_.delivery_stats) summary["delivery"] = alerting_.delivery_stats();
        stats["alerts"] = std::move(summary);
    }
    s->health = evaluate_health(stats, previous_stats_, thresholds_);
    if (auto& ev = alerting_.evaluator) {
        apply_alerts_to_health(s->health, ev->firing_critical());
        s->alerts_json = std::make_shared<const std::string>(json::serialize(ev->to_json()));
        if (!changed.empty()) {
            json::array list;
            for (const auto& a : changed) list.push_back(a.to_json());
            s->alert_frame = std::make_shared<const std::string>(json::serialize(
                json::object{{"type", "alert"}, {"timestamp", format_rfc3339(wall)}, {"alerts", std::move(list)}}));
        }
        if (alerting_.on_change && !changed.empty()) {
            std::vector<alert> firing;
            for (const auto& a : ev->active())
                if (a.state == alert_state::firing) firing.push_back(a);
            alerting_.on_change(std::move(changed), std::move(firing));
        }
    }
    if (s->health != previous_health_) {
        json::object frame{{"type", "health"}, {"timestamp", format_rfc3339(wall)}, {"health", s->health}};
        s->health_frame = std::make_shared<const std::string>(json::serialize(frame));
        previous_health_ = s->health;
    }
    s->health_json = std::make_shared<const std::string>(json::serialize(s->health));
    s->metrics_text = std::make_shared<const std::string>(to_prometheus(stats));
    s->stats_json = std::make_shared<const std::string>(json::serialize(stats));
    json::object frame{{"type", "stats"}, {"seq", s->seq}, {"timestamp", format_rfc3339(wall)},
                       {"stats", stats}, {"health", s->health}};
    s->stats_frame = std::make_shared<const std::string>(json::serialize(frame));
    // Circuit state changes are pushed as they happen (at tick resolution).
    json::object circuits;
    for (const auto& kv : stats["processors"].as_object())
        if (auto c = kv.value().as_object().find("circuit"); c != kv.value().as_object().end())
            circuits[kv.key()] = c->value().as_object().at("state");
    if (!circuits.empty() && circuits != previous_circuits_) {
        s->circuit_frame = std::make_shared<const std::string>(
            json::serialize(json::object{{"type", "circuit"}, {"timestamp", format_rfc3339(wall)}, {"stages", circuits}}));
        previous_circuits_ = circuits;
    }
    // New traces and errors, batched into one message each.
    auto take = [](const auto& log, std::uint64_t& seen) {
        auto total = log.total();
        if (total > seen + max_pushed_per_tick) seen = total - max_pushed_per_tick;
        auto [items, next] = log.since(seen, max_pushed_per_tick);
        seen = next;
        return std::move(items);
    };
    if (traces_) {
        auto fresh = take(*traces_, traces_seen_);
        if (!fresh.empty()) {
            json::array list;
            for (const auto& t : fresh) list.emplace_back(t->to_json());
            s->trace_frame = std::make_shared<const std::string>(
                json::serialize(json::object{{"type", "trace"}, {"seq", s->seq}, {"traces", std::move(list)}}));
            s->new_traces = std::make_shared<const std::vector<trace_ptr>>(std::move(fresh));
        }
    }
    if (errors_) {
        auto fresh = take(*errors_, errors_seen_);
        if (!fresh.empty()) {
            json::array list;
            for (const auto& e : fresh) list.emplace_back(e.to_json());
            s->error_frame = std::make_shared<const std::string>(
                json::serialize(json::object{{"type", "error"}, {"seq", s->seq}, {"errors", std::move(list)}}));
        }
    }
    s->traces_through = traces_seen_;
    s->errors_through = errors_seen_;
    previous_stats_ = stats;
    s->stats = std::move(stats);
    return s;
}

net::awaitable<void> observer::run() {
    while (!stopped_) {
        timer_.expires_after(interval_);
        auto [ec] = co_await timer_.async_wait(use_aw_ec);
        if (ec || stopped_) break;
        tick_now();
    }
}

}  // namespace sightline
