// The `stdout` sink type: lines to standard output, flushed every 200 ms.
#include "sightline/sinks/sink_descriptor.hpp"
#include "sightline/sinks/writer_sink.hpp"

namespace sightline {

sink_descriptor stdout_sink_descriptor() {
    sink_descriptor d;
    d.schema = {"stdout", "Writes lines to standard output.", {}};
    d.create = [](net::io_context& ioc, const component_config& c) {
        return std::make_shared<writer_sink>(ioc, c.id, c.type, fd_writer::borrow(1, 256 * 1024), std::chrono::milliseconds(200));
    };
    return d;
}

}  // namespace sightline
