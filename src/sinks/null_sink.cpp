// The `null` sink type: counts lines and discards them.
#include "sightline/sinks/sink_descriptor.hpp"
#include "sightline/sinks/writer_sink.hpp"

namespace sightline {

sink_descriptor null_sink_descriptor() {
    sink_descriptor d;
    d.schema = {"null", "Counts lines and discards them (benchmarks, tests).", {}};
    d.create = [](net::io_context& ioc, const component_config& c) {
        return std::make_shared<writer_sink>(ioc, c.id, c.type, std::nullopt, std::chrono::milliseconds(1000));
    };
    return d;
}

}  // namespace sightline
