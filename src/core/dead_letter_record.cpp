#include "sightline/core/dead_letter_record.hpp"

#include <boost/beast/core/detail/base64.hpp>  // Beast's own encoder: no hand-written base64
#include <boost/json/serialize.hpp>

#include "sightline/core/utf8.hpp"

namespace sightline {

namespace beast = boost::beast;

std::string dead_letter_record(std::string_view timestamp, std::string_view stage, std::string_view error_type,
                               std::string_view error, std::string_view line, std::optional<std::uint64_t> line_id) {
    boost::json::object o;
    o["timestamp"] = timestamp;
    o["stage"] = stage;
    o["error_type"] = error_type;
    o["error"] = valid_utf8(error);
    if (is_valid_utf8(line)) {
        o["line"] = line;
    } else {
        // JSON holds only UTF-8: a readable copy, and the exact bytes for replay.
        o["line"] = valid_utf8(line);
        std::string b64(beast::detail::base64::encoded_size(line.size()), '\0');
        b64.resize(beast::detail::base64::encode(b64.data(), line.data(), line.size()));
        o["line_base64"] = b64;
    }
    if (line_id) o["line_id"] = std::to_string(*line_id);  // a string: JavaScript loses precision past 2^53
    return boost::json::serialize(o);
}

}  // namespace sightline
