#pragma once
#include <boost/json/object.hpp>
#include <chrono>
#include <string>

#include "sightline/core/param_schema.hpp"
#include "sightline/core/problems.hpp"

namespace sightline {

/// How a network sink retries a delivery that failed for a reason that may pass (the
/// server down, a timeout, HTTP 5xx): the `retry` parameter,
/// `{"max_attempts": N, "backoff_ms": B, "max_backoff_ms": M}`. The wait doubles after each
/// failure from B up to M. attempts 0 means for ever: the pipeline waits behind the
/// sink instead of losing anything; past a last attempt the lines go to the dead letter.
struct delivery_retry {
    unsigned attempts = 0;
    std::chrono::milliseconds backoff{100};
    std::chrono::milliseconds max_backoff{5000};

    /// The `retry` parameter, with `attempts` defaulting to `default_attempts`.
    static param_spec param(unsigned default_attempts);
    static void check(const boost::json::object& params, const std::string& path, problems& found);
    static delivery_retry from_params(const boost::json::object& params);

    /// The wait before attempt `failures + 1`, after `failures` failed ones (>= 1).
    std::chrono::milliseconds delay_after(unsigned failures) const;
    /// True when another attempt is allowed after `failures` failed ones.
    bool allows(unsigned failures) const { return attempts == 0 || failures < attempts; }
};

}  // namespace sightline
