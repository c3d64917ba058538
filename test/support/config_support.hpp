#pragma once
// A configuration from JSON text for tests that need one valid (the test fails at once
// on the first problem, naming it).
#include <boost/test/unit_test.hpp>

#include <string>

#include "sightline/app/config_file.hpp"

namespace sightline::test {

inline pipeline_config parse_valid_config(const std::string& text) {
    problems found;
    auto cfg = parse_config(text, found);
    BOOST_TEST_REQUIRE(found.empty(), (found.empty() ? "" : found.items().front()));
    return cfg;
}

}  // namespace sightline::test
