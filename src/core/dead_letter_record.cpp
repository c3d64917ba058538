#include "sightline/core/dead_letter_record.hpp"

#include <boost/json/serialize.hpp>

namespace sightline {

std::string dead_letter_record(std::string_view timestamp, std::string_view stage, std::string_view error_type,
                               std::string_view error, std::string_view line, std::optional<std::uint64_t> line_id) {
    boost::json::object o;
    o["timestamp"] = timestamp;
    o["stage"] = stage;
    o["error_type"] = error_type;
    o["error"] = error;
    o["line"] = line;
    if (line_id) o["line_id"] = std::to_string(*line_id);  // a string: JavaScript loses precision past 2^53
    return boost::json::serialize(o);
}

}  // namespace sightline
