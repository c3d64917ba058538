#include "sightline/sinks/delivery_retry.hpp"

#include <algorithm>

namespace sightline {

namespace json = boost::json;

namespace {
constexpr std::int64_t max_backoff_limit_ms = 3'600'000;

std::int64_t member(const json::object& retry, std::string_view key, std::int64_t fallback) {
    const auto* v = retry.if_contains(key);
    return v && v->is_int64() ? v->as_int64() : fallback;
}
}  // namespace

param_spec delivery_retry::param(unsigned default_attempts) {
    return {.name = "retry",
            .type = param_type::object,
            .default_value = json::object{{"max_attempts", static_cast<std::int64_t>(default_attempts)}, {"backoff_ms", 100}, {"max_backoff_ms", 5000}},
            .doc = "Retries of a failed delivery: max_attempts (0: for ever, the pipeline waits), backoff_ms (the first "
                   "wait, doubled each time) and max_backoff_ms. Past the last attempt the lines go to the dead letter."};
}

void delivery_retry::check(const json::object& params, const std::string& path, problems& found) {
    const auto* r = params.if_contains("retry");
    if (!r || !r->is_object()) return;
    auto where = path_join(path, "retry");
    for (const auto& [key, value] : r->get_object()) {
        std::int64_t lo = key == "max_attempts" ? 0 : 1;
        std::int64_t hi = key == "max_attempts" ? 1'000'000 : max_backoff_limit_ms;
        if (key != "max_attempts" && key != "backoff_ms" && key != "max_backoff_ms")
            found.add(path_join(where, key), "unknown key (max_attempts, backoff_ms, max_backoff_ms)");
        else if (!value.is_int64() || value.as_int64() < lo || value.as_int64() > hi)
            found.add(path_join(where, key), "must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
    }
    auto backoff = member(r->get_object(), "backoff_ms", 100), most = member(r->get_object(), "max_backoff_ms", 5000);
    if (backoff > most) found.add(path_join(where, "backoff_ms"), "must not exceed max_backoff_ms");
}

delivery_retry delivery_retry::from_params(const json::object& params) {
    delivery_retry p;
    const auto& r = params.at("retry").as_object();
    p.attempts = static_cast<unsigned>(member(r, "max_attempts", 0));
    p.backoff = std::chrono::milliseconds(member(r, "backoff_ms", 100));
    p.max_backoff = std::chrono::milliseconds(member(r, "max_backoff_ms", 5000));
    return p;
}

std::chrono::milliseconds delivery_retry::delay_after(unsigned failures) const {
    auto d = backoff;
    for (unsigned i = 1; i < failures && d < max_backoff; ++i) d *= 2;
    return std::min(d, max_backoff);
}

}  // namespace sightline
