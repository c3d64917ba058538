#include "sightline/observe/trace_store.hpp"

#include <algorithm>
#include <boost/json/serialize.hpp>

namespace sightline {

bool trace_filter::matches(const trace_record& r) const {
    if (!outcome.empty() && r.outcome != outcome) return false;
    if (!text.empty() && r.original_content().find(text) == std::string_view::npos) return false;
    if (!field.empty()) {
        auto fields = r.final_fields();
        const auto* v = fields.if_contains(field);
        if (!v) return false;
        if (v->is_string() ? v->as_string() != value : boost::json::serialize(*v) != value) return false;
    }
    if (stage.empty() && status.empty()) return true;
    return std::any_of(r.path.begin(), r.path.end(), [&](const trace_step& s) {
        return (stage.empty() || s.processor == stage) && (status.empty() || s.status == status);
    });
}

}  // namespace sightline
