// The `file` sink type: appends lines to a file through a buffered fd_writer.
#include <boost/json/value_to.hpp>
#include <filesystem>

#include "sightline/sinks/sink_descriptor.hpp"
#include "sightline/sinks/writer_sink.hpp"

namespace sightline {

sink_descriptor file_sink_descriptor() {
    sink_descriptor d;
    d.schema = {"file",
                "Appends lines to a file, buffered; flushed at least every flush_interval_ms and at shutdown.",
                {{.name = "path", .type = param_type::string, .doc = "File to append to (created if missing).", .required = true},
                 {.name = "mkdir", .type = param_type::boolean, .default_value = false,
                  .doc = "Create missing parent directories of path."},
                 {.name = "buffer_bytes", .type = param_type::integer, .default_value = 1024 * 1024,
                  .doc = "Write buffer size (allocated up front).", .min = 4096, .max = 256.0 * 1024 * 1024},
                 {.name = "flush_interval_ms", .type = param_type::integer, .default_value = 1000,
                  .doc = "Longest time a line waits in the buffer.", .min = 1, .max = max_duration_ms}}};
    d.check = [](const boost::json::object& params, const std::string& path, problems& found) {
        if (boost::json::value_to<std::string>(params.at("path")).empty()) found.add(path_join(path, "path"), "must not be empty");
    };
    d.create = [](net::io_context& ioc, const component_config& c) {
        auto path = boost::json::value_to<std::string>(c.params.at("path"));
        if (c.params.at("mkdir").as_bool()) {
            std::error_code ec;
            auto parent = std::filesystem::path(path).parent_path();
            if (!parent.empty()) std::filesystem::create_directories(parent, ec);
            if (ec)
                throw std::runtime_error("cannot create directory " + parent.string() + " for sink " + c.id + ": " + ec.message());
        }
        auto writer = fd_writer::open_append(path, static_cast<std::size_t>(c.params.at("buffer_bytes").to_number<std::int64_t>()));
        return std::make_shared<writer_sink>(ioc, c.id, c.type, std::move(writer),
                                      std::chrono::milliseconds(c.params.at("flush_interval_ms").to_number<std::int64_t>()));
    };
    return d;
}

}  // namespace sightline
