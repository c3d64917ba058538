#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sightline {

/// Why a line left the pipeline without reaching a sink (counted per reason).
enum class drop_reason : std::uint8_t { filtered, sampled, no_route, no_output, parse_failed };
/// Number of drop reasons (size of per-reason counter arrays).
inline constexpr std::size_t drop_reason_count = 5;
/// Name of a drop reason as shown in /stats and /metrics.
std::string_view to_string(drop_reason r);

}  // namespace sightline
