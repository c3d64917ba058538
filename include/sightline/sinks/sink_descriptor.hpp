#pragma once
#include <boost/json/object.hpp>
#include <functional>
#include <memory>
#include <string>

#include "sightline/core/config.hpp"
#include "sightline/core/net.hpp"
#include "sightline/core/param_schema.hpp"
#include "sightline/core/problems.hpp"
#include "sightline/sinks/sink.hpp"

namespace sightline {

/// A sink type, in a file of its own: what it is, its parameters (each default written
/// once, here), the checks its schema cannot express, and its factory. The component
/// registry (app/component_registry.cpp) lists them.
struct sink_descriptor {
    component_schema schema;
    /// Checks valid-by-schema params further, reporting under `path`; may be empty.
    std::function<void(const boost::json::object& params, const std::string& path, problems& found)> check;
    /// Makes the sink from checked params, opening its output now (std::runtime_error
    /// naming the path when it cannot).
    std::function<std::shared_ptr<sink>(net::io_context& ioc, const component_config& c)> create;
};

}  // namespace sightline
