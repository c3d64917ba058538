// Fuzzing config parsing and validation: whatever the text, problems are reported,
// never a crash; a config with no problems also builds its graph and processors, and
// every duration it accepts can be used as one (timers and deadlines are nanoseconds).
#include <chrono>
#include <limits>

#include "fuzz_targets.hpp"
#include "sightline/app/config_file.hpp"
#include "sightline/pipeline/circuit_breaker.hpp"
#include "sightline/app/pipeline.hpp"

namespace sightline::fuzz {

namespace {

/// True when `ms` milliseconds, added to a steady_clock time of up to ten years of
/// uptime, stay representable (std::chrono and Asio timers would overflow otherwise).
bool usable_duration_ms(std::int64_t ms) {
    constexpr std::int64_t ten_years_ms = 10LL * 366 * 24 * 3600 * 1000;
    constexpr std::int64_t max_ms = std::numeric_limits<std::int64_t>::max() / 1'000'000 - ten_years_ms;
    return ms >= 0 && ms <= max_ms;
}

void check_durations(const pipeline_config& cfg) {
    auto check_ms = [](std::int64_t ms, const std::string& where) {
        check(usable_duration_ms(ms), where + " accepts a duration that overflows: " + std::to_string(ms));
    };
    check_ms(cfg.http.push_interval_ms, "http.push_interval_ms");
    check_ms(cfg.http.ws_max_behind_ms, "http.ws_max_behind_ms");
    check_ms(cfg.http.request_timeout_ms, "http.request_timeout_ms");
    check_ms(cfg.http.keep_alive_timeout_ms, "http.keep_alive_timeout_ms");
    for (const auto* list : {&cfg.sources, &cfg.processors, &cfg.sinks})
        for (const auto& c : *list) {
            for (const auto& kv : c.params) {
                std::string_view key = kv.key();
                if (key.size() > 3 && key.substr(key.size() - 3) == "_ms" && kv.value().is_int64())
                    check_ms(kv.value().get_int64(), c.path + "." + std::string(key));
            }
            // Backoff doubles up to 2^16 times (stage::retry_later).
            if (c.retry) check_ms(c.retry->backoff_ms * 65536, c.path + ".retry.backoff_ms");
            if (c.circuit) {
                check_ms(c.circuit->window_ms, c.path + ".circuit.window_ms");
                check_ms(c.circuit->cooldown_ms, c.path + ".circuit.cooldown_ms");
                // The breaker itself: enough failures open it, and it stays open until the cooldown.
                circuit_breaker b(*c.circuit);
                auto now = std::chrono::steady_clock::now();
                b.record(now, static_cast<std::uint64_t>(c.circuit->failure_threshold));
                check(b.current() == circuit_breaker::state::open, c.path + ".circuit: threshold reached, not open");
                check(!b.allow(now), c.path + ".circuit: open, yet lets a batch through at once");
            }
        }
}

}  // namespace

void config_input(std::string_view data) {
    problems found;
    auto cfg = parse_config(data, found);
    for (const auto& p : found.items()) check(!p.empty(), "an empty problem message");
    if (!found.empty()) return;
    check_durations(cfg);
    // Graph edges and processor parameters (regexes included) are checked here.
    auto more = validate(cfg);
    for (const auto& p : more.items()) check(!p.empty(), "an empty problem message");
}

}  // namespace sightline::fuzz
