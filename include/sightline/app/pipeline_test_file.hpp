#pragma once
#include <boost/json/object.hpp>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sightline/core/problems.hpp"
#include "sightline/pipeline/pipeline_config.hpp"

namespace sightline {

/// What a `sightline test` case expects of one input line (README "Testing a
/// pipeline"). Every outcome a line can have is checked: what is not expected must not
/// happen.
struct line_expectation {
    /// Exactly the sinks the line reaches (absent: any sink, when output or fields are
    /// expected; none otherwise).
    std::optional<std::vector<std::string>> sinks;
    /// Its text at every sink it reaches, as the sink's format writes it.
    std::optional<std::string> output;
    /// Its text at the named sinks.
    std::map<std::string, std::string> outputs;
    /// Fields it has at every sink it reaches, with these values (others may be there too).
    boost::json::object fields;
    /// Fields it must not have there.
    std::vector<std::string> fields_absent;
    /// Dropped, with this reason ("": any reason).
    std::optional<std::string> dropped;
    /// Failed with this error type, into the dead letter ("": any type).
    std::optional<std::string> dead_letter;

    /// True when the line is expected at a sink.
    bool expects_delivery() const {
        return (sinks && !sinks->empty()) || output || !outputs.empty() || !fields.empty() || !fields_absent.empty();
    }
};

/// One input line of a case: the source it arrives on and its text.
struct test_line {
    std::string source;  // empty: the configuration's only source
    std::string text;
    std::optional<line_expectation> expect;
    std::string path;  // JSON path in the test file, for messages
};

struct test_case {
    std::string name;
    std::vector<test_line> lines;
    std::string path;
};

/// A test file: the configuration it tests and its cases.
struct test_file {
    std::string path;
    std::string config_path;  // resolved against the test file's folder
    std::vector<test_case> cases;
};

/// Reads and checks a test file's shape; every problem goes to `found` with its JSON path.
test_file load_test_file(const std::string& path, problems& found);
/// Checks a test file against the configuration it names: the sources its lines arrive
/// on and the sinks and drop reasons it expects exist.
void check_test_file(const test_file& t, const pipeline_config& cfg, problems& found);

}  // namespace sightline
