#pragma once
#include <boost/json/object.hpp>
#include <cstdint>
#include <string>

#include "sightline/observe/ring_log.hpp"

namespace sightline {

/// One failure: a processor's error result, an exception caught at a stage, a line
/// refused by an open circuit, or a sink write error.
struct error_record {
    std::int64_t unix_us = 0;
    std::string processor;
    std::string message;
    std::string error_type;
    std::uint64_t line_id = 0;  // 0 when the line was not traced
    std::string line;           // cut at 1 KiB
    bool line_cut = false;

    /// Makes a record stamped now, cutting the line at 1 KiB.
    static error_record make(std::string processor, std::string message, std::string error_type, std::string_view line,
                             std::uint64_t line_id);
    /// As /errors shows it.
    boost::json::object to_json() const;
};

/// The last `errors.capacity` error records.
using error_log = ring_log<error_record>;

}  // namespace sightline
