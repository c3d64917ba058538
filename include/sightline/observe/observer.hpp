#pragma once
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "sightline/core/health_thresholds.hpp"
#include "sightline/core/net.hpp"
#include "sightline/observe/error_log.hpp"
#include "sightline/observe/health.hpp"
#include "sightline/observe/stats.hpp"
#include "sightline/observe/stats_rates.hpp"
#include "sightline/observe/trace_store.hpp"

namespace sightline {

/// Everything served about one moment, assembled and serialized once per tick and
/// shared (read-only) by every HTTP request and WebSocket client.
struct snapshot {
    std::uint64_t seq = 0;
    pipeline_stats stats;                             // with rates and alerts
    std::shared_ptr<const std::string> stats_json;    // /stats
    std::shared_ptr<const std::string> metrics_text;  // Prometheus text
    health_report health;
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
    /// GET /alerts: {"active": [...], "history": [...]} (null without alert rules).
    std::shared_ptr<const std::string> alerts_json;
    /// {"type":"alert","alerts":[...]} with the alerts that changed state this tick.
    std::shared_ptr<const std::string> alert_frame;
};

/// Work done on every tick once the stats have their rates and health is judged, before
/// anything is serialized (the alert rules): it may fill `stats.alerts`, change `health`
/// and set the snapshot's alert fields. Runs on the observer's strand.
using tick_hook = std::function<void(pipeline_stats& stats, const pipeline_stats& previous, health_report& health,
                                     snapshot& out, std::chrono::steady_clock::time_point now)>;

/// On its own strand, every push interval: collects the counters, adds rates (last tick
/// and last minute), judges health, serializes everything once and publishes it.
/// Listeners (the WebSocket broadcaster) get each new snapshot.
class observer : public std::enable_shared_from_this<observer> {
public:
    observer(net::io_context& ioc, std::function<pipeline_stats()> collect, std::chrono::milliseconds interval);

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
    /// Runs on every tick (before start()): the alert rules.
    void set_tick_hook(tick_hook h) { hook_ = std::move(h); }
    /// Fills figures of other components into stats.system (e.g. websocket_clients).
    void set_system_extra(std::function<void(system_stats&)> fn) { system_extra_ = std::move(fn); }

private:
    net::awaitable<void> run();
    std::shared_ptr<const snapshot> build();

    net::strand<net::io_context::executor_type> strand_;
    std::function<pipeline_stats()> collect_;
    std::chrono::milliseconds interval_;
    net::steady_timer timer_;
    stats_rates rates_;
    pipeline_stats previous_stats_;
    health_report previous_health_;
    std::vector<std::pair<std::string, std::string>> previous_circuits_;
    const trace_store* traces_ = nullptr;
    const error_log* errors_ = nullptr;
    std::uint64_t traces_seen_ = 0;
    std::uint64_t errors_seen_ = 0;
    health_thresholds thresholds_;
    std::uint64_t seq_ = 0;
    std::function<void(const std::shared_ptr<const snapshot>&)> listener_;
    std::function<void(system_stats&)> system_extra_;
    tick_hook hook_;
    mutable std::mutex mutex_;  // guards latest_ only
    std::shared_ptr<const snapshot> latest_;
    bool stopped_ = false;
};

}  // namespace sightline
