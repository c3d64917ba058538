#include "sightline/observe/trace_store.hpp"

#include <algorithm>

namespace sightline {

bool trace_filter::matches(const trace_record& r) const {
    if (!outcome.empty() && r.outcome != outcome) return false;
    if (!text.empty() && r.original_content().find(text) == std::string_view::npos) return false;
    if (stage.empty() && status.empty()) return true;
    return std::any_of(r.path.begin(), r.path.end(), [&](const trace_step& s) {
        return (stage.empty() || s.processor == stage) && (status.empty() || s.status == status);
    });
}

}  // namespace sightline
