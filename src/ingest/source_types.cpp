#include "sightline/ingest/source_types.hpp"

#include "sightline/ingest/line_splitter.hpp"

namespace sightline {

namespace {

param_spec max_line_bytes_param() {
    return {.name = "max_line_bytes",
            .type = param_type::integer,
            .default_value = static_cast<std::int64_t>(line_splitter::default_max_line_bytes),
            .doc = "Longer lines are cut to this many bytes and counted as truncated.",
            .min = 1,
            .max = 64.0 * 1024 * 1024};
}

}  // namespace

const std::vector<component_schema>& source_types() {
    static const std::vector<component_schema> types = {
        {"tcp",
         "Newline-framed lines from TCP clients (e.g. nc host 5140).",
         {{.name = "listen", .type = param_type::string, .default_value = "0.0.0.0:5140", .doc = "HOST:PORT to listen on."},
          max_line_bytes_param(),
          {.name = "max_connections", .type = param_type::integer, .default_value = 10000,
           .doc = "Connections beyond this are refused and counted.", .min = 1},
          {.name = "idle_timeout_ms", .type = param_type::integer, .default_value = 0,
           .doc = "Close a connection silent this long (0: never).", .min = 0, .max = max_duration_ms},
          {.name = "shutdown_timeout_ms", .type = param_type::integer, .default_value = 5000,
           .doc = "At shutdown, how long open connections may keep sending before they are closed.", .min = 0, .max = max_duration_ms}}},
        {"udp",
         "Lines from UDP datagrams (one or more lines each; trailing newline optional).",
         {{.name = "listen", .type = param_type::string, .default_value = "0.0.0.0:5140", .doc = "HOST:PORT to listen on."},
          max_line_bytes_param(),
          {.name = "receive_buffer_bytes", .type = param_type::integer, .default_value = 4 * 1024 * 1024,
           .doc = "SO_RCVBUF asked of the kernel.", .min = 4096}}},
        {"file",
         "Lines read from a file (\"-\" is standard input), once or followed like tail -F.",
         {{.name = "path", .type = param_type::string,
           .doc = "File to read; \"-\" for standard input; with follow, a glob (e.g. /var/log/app/*.log).", .required = true},
          {.name = "follow", .type = param_type::boolean, .default_value = false, .doc = "Keep reading appended lines."},
          {.name = "start_at", .type = param_type::string, .default_value = "beginning",
           .doc = "Where to start reading a followed file.", .choices = {"beginning", "end"}},
          max_line_bytes_param(),
          {.name = "poll_interval_ms", .type = param_type::integer, .default_value = 250,
           .doc = "How often a followed file is checked for new data, rotation and new glob matches.", .min = 10, .max = max_duration_ms},
          {.name = "read_chunk_bytes", .type = param_type::integer, .default_value = 1024 * 1024,
           .doc = "Bytes read per system call (and roughly per batch).", .min = 4096, .max = 64.0 * 1024 * 1024}}},
    };
    return types;
}

}  // namespace sightline
