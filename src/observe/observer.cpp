#include "sightline/observe/observer.hpp"

#include <boost/json/serialize.hpp>

#include "sightline/core/log.hpp"
#include "sightline/core/log_exit.hpp"
#include "sightline/core/time_format.hpp"
#include "sightline/observe/health.hpp"
#include "sightline/observe/prometheus.hpp"
#include "sightline/observe/push_frames.hpp"
#include "sightline/observe/stats_json.hpp"

namespace sightline {

namespace json = boost::json;

observer::observer(net::io_context& ioc, std::function<pipeline_stats()> collect, std::chrono::milliseconds interval)
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
    auto wall = std::chrono::system_clock::now();
    auto s = std::make_shared<snapshot>();
    s->seq = ++seq_;
    auto& stats = s->stats;
    stats = collect_();
    rates_.apply(stats, now);
    if (system_extra_) system_extra_(stats.system);
    stats.system.timestamp = wall;
    auto stamp = format_rfc3339(wall);

    s->health = evaluate_health(stats, previous_stats_, thresholds_);
    if (hook_) hook_(stats, previous_stats_, s->health, *s, now);  // alerts see the numbers /stats shows
    auto health = to_json(s->health);
    if (s->health != previous_health_) {
        s->health_frame = std::make_shared<const std::string>(
            json::serialize(json::object{{"type", "health"}, {"timestamp", stamp}, {"health", health}}));
        previous_health_ = s->health;
    }
    s->health_json = std::make_shared<const std::string>(json::serialize(health));
    s->metrics_text = std::make_shared<const std::string>(to_prometheus(stats));
    auto stats_doc = to_json(stats);
    s->stats_json = std::make_shared<const std::string>(json::serialize(stats_doc));
    s->stats_frame = std::make_shared<const std::string>(json::serialize(json::object{
        {"type", "stats"}, {"seq", s->seq}, {"timestamp", stamp}, {"stats", std::move(stats_doc)}, {"health", std::move(health)}}));
    // Circuit state changes are pushed as they happen (at tick resolution).
    std::vector<std::pair<std::string, std::string>> circuits;
    for (const auto& st : stats.stages)
        if (st.circuit) circuits.emplace_back(st.id, st.circuit->state);
    if (!circuits.empty() && circuits != previous_circuits_) {
        json::object states;
        for (const auto& [id, state] : circuits) states[id] = state;
        s->circuit_frame = std::make_shared<const std::string>(
            json::serialize(json::object{{"type", "circuit"}, {"timestamp", stamp}, {"stages", std::move(states)}}));
        previous_circuits_ = std::move(circuits);
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
            s->trace_frame = std::make_shared<const std::string>(trace_frame(s->seq, fresh));
            s->new_traces = std::make_shared<const std::vector<trace_ptr>>(std::move(fresh));
        }
    }
    if (errors_) {
        auto fresh = take(*errors_, errors_seen_);
        if (!fresh.empty()) s->error_frame = std::make_shared<const std::string>(error_frame(s->seq, fresh));
    }
    s->traces_through = traces_seen_;
    s->errors_through = errors_seen_;
    previous_stats_ = stats;
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
