#pragma once
#include <vector>

#include "sightline/core/param_schema.hpp"

namespace sightline {

/// Every source type (tcp, udp, file) with its parameters, for validation and --describe.
const std::vector<component_schema>& source_types();

}  // namespace sightline
