#pragma once
#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

#include "sightline/app/pipeline_test_file.hpp"
#include "sightline/pipeline/pipeline_config.hpp"

namespace sightline {

/// What running a test file came to.
struct test_file_result {
    std::size_t cases = 0, cases_failed = 0;
    std::size_t lines_checked = 0, lines_failed = 0;
};

/// Runs every case of `t` through the real pipeline of `cfg`, in process: its sources
/// replaced by the case's lines, its sinks and dead letter by in-memory ones with the
/// same ids and formats, every line traced. Prints one line per case to `out`, and for
/// each line that did not meet its expectation: the expectation, what happened, and
/// the line's path step by step. Throws config_error when the configuration is invalid
/// and std::runtime_error when it cannot be built.
test_file_result run_test_file(const test_file& t, const pipeline_config& cfg, std::ostream& out);

/// `sightline test [--check] FILE...`: 0 when every case passes (or, with --check,
/// every file is valid), 1 when a case fails, 2 for bad usage or an invalid file.
int run_test_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace sightline
