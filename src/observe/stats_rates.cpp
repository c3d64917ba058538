#include "sightline/observe/stats_rates.hpp"

#include <algorithm>

namespace sightline {

namespace {

double clamp01(double v) { return std::clamp(v, 0.0, 1.0); }

/// The bottleneck over one window: `score` reads that window's figures of a stage.
template <class Score>
std::optional<std::string> bottleneck_of(const std::vector<stage_stats>& stages, Score score) {
    const stage_stats* top = nullptr;
    double best = 0;
    for (const auto& s : stages)
        if (double v = score(s); v > best) {
            best = v;
            top = &s;
        }
    if (!top) return std::nullopt;
    return top->id;
}

}  // namespace

void stats_rates::apply(pipeline_stats& stats, std::chrono::steady_clock::time_point now) {
    double dt = last_ ? std::chrono::duration<double>(now - *last_).count() : 0.0;
    last_ = now;
    for (auto& s : stats.stages) {
        auto& r = s.rates;
        auto in = rates_.update("stage:" + s.id, static_cast<double>(s.lines_in), now);
        r.lines_per_second = in.last_tick;
        r.lines_per_second_1m = in.last_minute;
        r.lines_out_per_second = rates_.update("stage_out:" + s.id, static_cast<double>(s.lines_out), now).last_tick;
        r.errors_per_second = rates_.update("stage_err:" + s.id, static_cast<double>(s.errors), now).last_tick;
        auto busy = rates_.update("stage_busy:" + s.id, s.processing_time_ms, now);  // busy ms per second
        r.utilization = clamp01(busy.last_tick / 1000.0);
        r.utilization_1m = clamp01(busy.last_minute / 1000.0);
        r.queue_fill = s.queue_capacity > 0
                           ? clamp01(static_cast<double>(s.queued_batches) / static_cast<double>(s.queue_capacity))
                           : 0.0;
        // The fill seen now stands for the whole window since the last collection.
        auto& integral = fill_seconds_[s.id];
        integral += r.queue_fill * dt;
        auto fill = rates_.update("stage_fill:" + s.id, integral, now);
        r.queue_fill_1m = dt > 0 ? clamp01(fill.last_minute) : r.queue_fill;
    }
    for (auto& s : stats.sources) {
        auto r = rates_.update("source:" + s.id, static_cast<double>(s.lines), now);
        s.lines_per_second = r.last_tick;
        s.lines_per_second_1m = r.last_minute;
    }
    for (auto& s : stats.sinks)
        s.lines_per_second = rates_.update("sink:" + s.id, static_cast<double>(s.lines), now).last_tick;
    auto& sys = stats.system;
    auto total = rates_.update("system", static_cast<double>(sys.total_lines), now);
    sys.lines_per_second = total.last_tick;
    sys.lines_per_second_1m = total.last_minute;
    sys.cpu_percent = rates_.update("cpu", sys.cpu_seconds, now).last_tick * 100.0;
    sys.bottleneck_stage = bottleneck_of(stats.stages, [](const stage_stats& s) { return s.rates.utilization + s.rates.queue_fill; });
    sys.bottleneck_stage_1m =
        bottleneck_of(stats.stages, [](const stage_stats& s) { return s.rates.utilization_1m + s.rates.queue_fill_1m; });
}

}  // namespace sightline
