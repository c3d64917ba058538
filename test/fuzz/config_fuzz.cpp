// Fuzzing config parsing and validation: whatever the text, problems are reported,
// never a crash, and a config with no problems also builds its graph and processors.
#include "fuzz_targets.hpp"
#include "sightline/core/config.hpp"
#include "sightline/pipeline/pipeline.hpp"

namespace sightline::fuzz {

void config_input(std::string_view data) {
    problems found;
    auto cfg = parse_config(data, found);
    for (const auto& p : found.items()) check(!p.empty(), "an empty problem message");
    if (!found.empty()) return;
    // Graph edges and processor parameters (regexes included) are checked here.
    auto more = validate(cfg);
    for (const auto& p : more.items()) check(!p.empty(), "an empty problem message");
}

}  // namespace sightline::fuzz
