#pragma once
#include "sightline/app/cli.hpp"

namespace sightline {

/// The composition root: reads the config, applies the command line, runs the
/// pipeline (batch or service) and returns the process exit code (0, 1 or 2).
int run_application(const cli_options& options);

/// Version string printed by --version.
const char* version_string();

}  // namespace sightline
