#include "sightline/observe/push_frames.hpp"

#include <boost/json/serialize.hpp>

namespace sightline {

namespace json = boost::json;

std::string trace_frame(std::uint64_t seq, const std::vector<trace_ptr>& traces, const trace_filter* filter) {
    json::array list;
    for (const auto& t : traces)
        if (!filter || filter->matches(*t)) list.emplace_back(t->to_json());
    if (list.empty()) return {};
    return json::serialize(json::object{{"type", "trace"}, {"seq", seq}, {"traces", std::move(list)}});
}

std::string error_frame(std::uint64_t seq, const std::vector<error_record>& errors) {
    json::array list;
    for (const auto& e : errors) list.emplace_back(e.to_json());
    return json::serialize(json::object{{"type", "error"}, {"seq", seq}, {"errors", std::move(list)}});
}

}  // namespace sightline
