#include "sightline/core/trace_record.hpp"

#include <atomic>
#include <chrono>

#include <boost/json/parse.hpp>

#include "sightline/core/time_format.hpp"

namespace sightline {

namespace json = boost::json;

namespace {
std::atomic<std::uint64_t> next_id{1};
}  // namespace

std::uint64_t next_line_id() { return next_id.fetch_add(1, std::memory_order_relaxed); }
std::uint64_t next_line_ids(std::uint64_t n) { return next_id.fetch_add(n, std::memory_order_relaxed); }

trace_ptr make_trace_record() { return std::make_shared<trace_record>(); }
trace_ptr make_trace_record(const trace_record& copy) { return std::make_shared<trace_record>(copy); }

void trace_record::add(std::string_view processor, std::string_view status, double duration_us, std::string_view tag,
                       std::string detail) {
    add_at(unix_us(std::chrono::system_clock::now()), processor, status, duration_us, tag, std::move(detail));
}

std::uint8_t trace_record::keep_detail(std::string detail) {
    if (detail.empty() || details.size() >= 255) return 0;
    details.push_back(std::move(detail));
    return static_cast<std::uint8_t>(details.size());
}

namespace {
/// Applies one step's field change to `fields`; returns the change as JSON.
json::object apply_change(std::string_view text, json::object& fields) {
    json::error_code ec;
    auto v = json::parse(text, ec);
    if (ec || !v.is_object()) return {};
    auto& change = v.as_object();
    for (const char* part : {"added", "changed"})
        if (auto* m = change.if_contains(part); m && m->is_object())
            for (const auto& kv : m->as_object()) fields[kv.key()] = kv.value();
    if (auto* r = change.if_contains("removed"); r && r->is_array())
        for (const auto& k : r->as_array())
            if (k.is_string()) fields.erase(k.as_string());
    return change;
}
}  // namespace

json::object trace_record::final_fields() const {
    json::object fields;
    for (const auto& s : path)
        if (s.fields_change) apply_change(detail_of_index(s.fields_change), fields);
    return fields;
}

json::object trace_record::to_json() const {
    json::array steps, route;
    json::object fields;
    for (const auto& s : path) {
        json::object o{{"processor", s.processor},
                       {"status", s.status},
                       {"timestamp", format_rfc3339(std::chrono::system_clock::time_point(std::chrono::microseconds(s.unix_us)))},
                       {"timestamp_unix_us", s.unix_us},
                       {"duration_us", s.duration_us}};
        if (!s.tag.empty()) o["tag"] = s.tag;
        if (s.detail) o["detail"] = valid_utf8(detail_of(s));
        if (s.fields_change) o["fields_changed"] = apply_change(detail_of_index(s.fields_change), fields);
        if (!fields.empty()) o["fields"] = fields;  // the event as this step left it
        steps.emplace_back(std::move(o));
        route.emplace_back(s.status == "route" ? s.tag : s.processor);
    }
    json::object o{{"line_id", std::to_string(line_id)},
                   {"source", source},
                   {"original_content", valid_utf8(original_content())},  // JSON must be UTF-8; the line need not be
                   {"original_cut", original_cut},
                   {"path", std::move(steps)},
                   {"route", std::move(route)},
                   {"outcome", outcome}};
    if (!outcome_detail.empty()) o["outcome_detail"] = valid_utf8(outcome_detail);
    return o;
}

}  // namespace sightline
