#pragma once
#include <boost/json/object.hpp>
#include <functional>
#include <memory>
#include <string>

#include "sightline/core/config.hpp"
#include "sightline/core/net.hpp"
#include "sightline/core/param_schema.hpp"
#include "sightline/core/problems.hpp"
#include "sightline/ingest/source.hpp"

namespace sightline {

/// A source type, in the file of its implementation: what it is, its parameters (each
/// default written once, here), the checks its schema cannot express, and its factory.
/// The component registry (app/component_registry.cpp) lists them.
struct source_descriptor {
    component_schema schema;
    /// Checks valid-by-schema params further (addresses, ports), reporting under `path`;
    /// empty when the schema says everything.
    std::function<void(const boost::json::object& params, const std::string& path, problems& found)> check;
    /// Makes the source from checked params: binds or opens now, so a port in use or an
    /// unreadable file fails at start-up (std::runtime_error naming it).
    std::function<std::shared_ptr<source>(net::io_context& ioc, const component_config& c)> create;
};

/// `max_line_bytes`, shared by every source that cuts lines.
param_spec max_line_bytes_param();
/// `listen` (HOST:PORT) with its default.
param_spec listen_param(std::string default_address);
/// Reports a `listen` parameter that is not a valid HOST:PORT.
void check_listen(const boost::json::object& params, const std::string& path, problems& found);

}  // namespace sightline
