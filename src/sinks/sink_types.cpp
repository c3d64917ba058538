#include "sightline/sinks/sink_types.hpp"

namespace sightline {

const std::vector<component_schema>& sink_types() {
    static const std::vector<component_schema> types = {
        {"file",
         "Appends lines to a file, buffered; flushed at least every flush_interval_ms and at shutdown.",
         {{.name = "path", .type = param_type::string, .doc = "File to append to (created if missing).", .required = true},
          {.name = "mkdir", .type = param_type::boolean, .default_value = false,
           .doc = "Create missing parent directories of path."},
          {.name = "buffer_bytes", .type = param_type::integer, .default_value = 1024 * 1024,
           .doc = "Write buffer size.", .min = 4096},
          {.name = "flush_interval_ms", .type = param_type::integer, .default_value = 1000,
           .doc = "Longest time a line waits in the buffer.", .min = 1, .max = max_duration_ms}}},
        {"stdout", "Writes lines to standard output.", {}},
        {"null", "Counts lines and discards them (benchmarks, tests).", {}},
    };
    return types;
}

}  // namespace sightline
