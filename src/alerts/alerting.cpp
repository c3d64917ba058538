#include "sightline/alerts/alerting.hpp"

#include <boost/json/serialize.hpp>

#include "sightline/core/time_format.hpp"

namespace sightline {

namespace json = boost::json;

tick_hook make_alert_hook(alerting a) {
    return [a = std::move(a)](pipeline_stats& stats, const pipeline_stats& previous, health_report& health, snapshot& out,
                              std::chrono::steady_clock::time_point now) {
        auto& ev = *a.evaluator;
        auto wall = stats.system.timestamp.value_or(std::chrono::system_clock::now());
        auto changed = ev.evaluate(stats, previous, wall, now);
        stats.alerts = ev.summary();
        if (a.delivery_stats) stats.alerts->delivery = a.delivery_stats();
        apply_alerts_to_health(health, ev.firing_critical());
        out.alerts_json = std::make_shared<const std::string>(json::serialize(ev.to_json()));
        if (changed.empty()) return;
        json::array list;
        for (const auto& c : changed) list.push_back(c.to_json());
        out.alert_frame = std::make_shared<const std::string>(json::serialize(
            json::object{{"type", "alert"}, {"timestamp", format_rfc3339(wall)}, {"alerts", std::move(list)}}));
        if (a.on_change) {
            std::vector<alert> firing;
            for (const auto& x : ev.active())
                if (x.state == alert_state::firing) firing.push_back(x);
            a.on_change(std::move(changed), std::move(firing));
        }
    };
}

}  // namespace sightline
