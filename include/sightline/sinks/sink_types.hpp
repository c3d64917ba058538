#pragma once
#include <vector>

#include "sightline/core/param_schema.hpp"

namespace sightline {

/// Every sink type (file, stdout, null) with its parameters.
const std::vector<component_schema>& sink_types();

}  // namespace sightline
