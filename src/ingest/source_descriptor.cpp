#include "sightline/ingest/source_descriptor.hpp"

#include <boost/json/value_to.hpp>
#include <stdexcept>

#include "sightline/core/listen_socket.hpp"
#include "sightline/ingest/line_splitter.hpp"

namespace sightline {

param_spec max_line_bytes_param() {
    return {.name = "max_line_bytes",
            .type = param_type::integer,
            .default_value = static_cast<std::int64_t>(line_splitter::default_max_line_bytes),
            .doc = "Longer lines are cut to this many bytes and counted as truncated.",
            .min = 1,
            .max = 64.0 * 1024 * 1024};
}

param_spec listen_param(std::string default_address) {
    return {.name = "listen", .type = param_type::string, .default_value = boost::json::string(default_address),
            .doc = "HOST:PORT to listen on."};
}

void check_listen(const boost::json::object& params, const std::string& path, problems& found) {
    try {
        parse_endpoint(boost::json::value_to<std::string>(params.at("listen")));
    } catch (const std::invalid_argument& e) {
        found.add(path_join(path, "listen"), e.what());
    }
}

}  // namespace sightline
