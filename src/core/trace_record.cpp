#include "sightline/core/trace_record.hpp"

#include <atomic>
#include <chrono>

#include "sightline/core/time_format.hpp"

namespace sightline {

namespace json = boost::json;

std::uint64_t next_line_id() {
    static std::atomic<std::uint64_t> next{1};
    return next.fetch_add(1, std::memory_order_relaxed);
}

void trace_record::add(std::string_view processor, std::string_view status, double duration_us, std::string_view tag,
                       std::string detail) {
    path.push_back({processor, status, tag, unix_us(std::chrono::system_clock::now()), static_cast<float>(duration_us),
                    std::move(detail)});
}

json::object trace_record::to_json() const {
    json::array steps, route;
    for (const auto& s : path) {
        json::object o{{"processor", s.processor},
                       {"status", s.status},
                       {"timestamp", format_rfc3339(std::chrono::system_clock::time_point(std::chrono::microseconds(s.unix_us)))},
                       {"timestamp_unix_us", s.unix_us},
                       {"duration_us", s.duration_us}};
        if (!s.tag.empty()) o["tag"] = s.tag;
        if (!s.detail.empty()) o["detail"] = s.detail;
        steps.emplace_back(std::move(o));
        route.emplace_back(s.status == "route" ? s.tag : s.processor);
    }
    json::object o{{"line_id", std::to_string(line_id)},
                   {"source", source},
                   {"original_content", original_content},
                   {"original_cut", original_cut},
                   {"path", std::move(steps)},
                   {"route", std::move(route)},
                   {"outcome", outcome}};
    if (!outcome_detail.empty()) o["outcome_detail"] = outcome_detail;
    return o;
}

}  // namespace sightline
