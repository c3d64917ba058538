#pragma once
#include <string>

#include "sightline/web/router.hpp"

namespace sightline {

/// Most recent traces and error records a hello carries (as many as one tick pushes).
constexpr std::size_t hello_recent_items = observer::max_pushed_per_tick;

/// The first message of every /ws client: everything the dashboard needs to draw
/// itself without any request (it never polls):
/// {"type":"hello","seq","push_interval_ms","pipeline","snapshot","traces","errors"}.
/// `snapshot` is the latest stats frame; `traces` and `errors` are the newest ones
/// already covered by that snapshot's pushes, newest first, so a client that skips
/// trace and error frames with a `seq` at or below the hello's sees each item once.
std::string hello_frame(const api_context& ctx);

}  // namespace sightline
