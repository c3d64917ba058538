#include "sightline/core/drop_reason.hpp"

namespace sightline {

std::string_view to_string(drop_reason r) {
    switch (r) {
    case drop_reason::filtered: return "filtered";
    case drop_reason::sampled: return "sampled";
    case drop_reason::no_route: return "no_route";
    case drop_reason::no_output: return "no_output";
    case drop_reason::parse_failed: return "parse_failed";
    }
    return "unknown";
}

}  // namespace sightline
