#pragma once
#include <string_view>

namespace sightline {

/// Log level found in a line.
enum class log_level { none, error, warn, info, debug };

/// Finds the log level of a line: the first whole word among ERROR, ERR, FATAL,
/// CRITICAL, CRIT (error), WARN, WARNING (warn), INFO (info), DEBUG, TRACE (debug),
/// written in upper case, or a `level=<word>` / `lvl=`/`severity=` pair in any case.
/// Upper-case-only for bare words keeps "no error found" from being tagged error.
log_level detect_level(std::string_view line);

}  // namespace sightline
