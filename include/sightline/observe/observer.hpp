#pragma once
#include <boost/json/object.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "sightline/alerts/alert_evaluator.hpp"
#include "sightline/core/net.hpp"
#include "sightline/observe/error_log.hpp"
#include "sightline/observe/health.hpp"
#include "sightline/observe/trace_store.hpp"
#include "sightline/observe/rate_tracker.hpp"

namespace sightline {

/// Everything served about one moment, assembled and serialized once per tick and
/// shared (read-only) by every HTTP request and WebSocket client.
struct snapshot {
    std::uint64_t seq = 0;
    boost::json::object stats;                        // the /stats document with rates
    std::shared_ptr<const std::string> stats_json;    // serialize(stats)
    std::shared_ptr<const std::string> metrics_text;  // Prometheus text
    boost::json::object health;
    std::shared_ptr<const std::string> health_json;
    std::shared_ptr<const std::string> stats_frame;   // {"type":"stats",...} for /ws
    /// {"type":"health",...} when the overall or any component status changed this tick.
    std::shared_ptr<const std::string> health_frame;
    /// Traces finished since the last tick (at most max_pushed_per_tick) and their
    /// {"type":"trace","traces":[...]} frame; null when there are none.
    std::shared_ptr<const std::vector<trace_ptr>> new_traces;
    std::shared_ptr<const std::string> trace_frame;
    /// {"type":"error","errors":[...]} for error records since the last tick.
    std::shared_ptr<const std::string> error_frame;
    /// {"type":"circuit","stages":{id: state}} when a circuit changed state this tick.
    std::shared_ptr<const std::string> circuit_frame;
    /// Sequence numbers (in the trace store and the error log) that this and earlier
    /// ticks' pushes have covered: a hello built from this snapshot holds the items up
    /// to these, and pushes with a later `seq` hold only newer ones.
    std::uint64_t traces_through = 0;
    std::uint64_t errors_through = 0;
    /// GET /alerts: {"active": [...], "history": [...]}.
    std::shared_ptr<const std::string> alerts_json;
    /// {"type":"alert","alerts":[...]} with the alerts that changed state this tick.
    std::shared_ptr<const std::string> alert_frame;
};

/// Alert rules evaluated on every tick (observer::set_alerting).
struct alerting {
    std::shared_ptr<alert_evaluator> evaluator;
    /// Gets each tick's transitions and the alerts firing now, on the observer's strand.
    std::function<void(std::vector<alert> changed, std::vector<alert> firing)> on_change;
    /// Delivery counters merged into stats.alerts.delivery.
    std::function<boost::json::object()> delivery_stats;
};

/// On its own strand, every push interval: reads the live counters, adds rates (last
/// tick and last minute) and queue fill, judges health, serializes everything once and
/// publishes it. Listeners (the WebSocket broadcaster) get each new snapshot.
class observer : public std::enable_shared_from_this<observer> {
public:
    observer(net::io_context& ioc, std::function<boost::json::object()> collect, std::chrono::milliseconds interval);

    /// Takes the first snapshot now (so nothing ever reads an empty one) and starts ticking.
    void start();
    /// Takes a final snapshot and stops ticking, on the observer's strand; then runs `then`.
    void stop(std::function<void()> then = {});
    /// The newest snapshot (never null after start()).
    std::shared_ptr<const snapshot> latest() const;
    /// Builds and publishes a snapshot now. Only before start() or on the observer's
    /// strand: observer state is not locked.
    void tick_now();
    /// Called with every new snapshot, on the observer's strand.
    void on_snapshot(std::function<void(const std::shared_ptr<const snapshot>&)> fn) { listener_ = std::move(fn); }
    /// Most traces or errors pushed in one message; older ones of a busy tick are skipped.
    static constexpr std::size_t max_pushed_per_tick = 200;
    /// Where new traces and errors come from (either may be null).
    void set_feeds(const trace_store* traces, const error_log* errors) {
        traces_ = traces;
        errors_ = errors;
    }
    /// Thresholds for health judgements.
    void set_health_thresholds(health_thresholds t) { thresholds_ = t; }
    /// Evaluates alert rules on every tick (before start()).
    void set_alerting(alerting a) { alerting_ = std::move(a); }
    /// Extra figures merged into stats.system (e.g. websocket_clients).
    void set_system_extra(std::function<void(boost::json::object&)> fn) { system_extra_ = std::move(fn); }

private:
    net::awaitable<void> run();
    std::shared_ptr<const snapshot> build();

    net::strand<net::io_context::executor_type> strand_;
    std::function<boost::json::object()> collect_;
    std::chrono::milliseconds interval_;
    net::steady_timer timer_;
    rate_tracker rates_;
    boost::json::object previous_stats_;
    boost::json::object previous_health_;
    boost::json::object previous_circuits_;
    const trace_store* traces_ = nullptr;
    const error_log* errors_ = nullptr;
    std::uint64_t traces_seen_ = 0;
    std::uint64_t errors_seen_ = 0;
    health_thresholds thresholds_;
    std::uint64_t seq_ = 0;
    std::function<void(const std::shared_ptr<const snapshot>&)> listener_;
    std::function<void(boost::json::object&)> system_extra_;
    alerting alerting_;
    mutable std::mutex mutex_;  // guards latest_ only
    std::shared_ptr<const snapshot> latest_;
    bool stopped_ = false;
};

}  // namespace sightline
