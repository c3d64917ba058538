#include "sightline/web/hello_frame.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

namespace sightline {

namespace json = boost::json;

std::string hello_frame(const api_context& ctx) {
    auto snap = ctx.latest();
    json::array traces, errors;
    if (ctx.traces)
        for (const auto& t : ctx.traces->newest_through(snap->traces_through, hello_recent_items))
            traces.emplace_back(t->to_json());
    if (ctx.errors)
        for (const auto& e : ctx.errors->newest_through(snap->errors_through, hello_recent_items))
            errors.emplace_back(e.to_json());
    // The pipeline and the stats frame are serialized already: spliced in, not re-parsed.
    std::string out = R"({"type":"hello","seq":)";
    out.append(std::to_string(snap->seq))
        .append(R"(,"push_interval_ms":)")
        .append(std::to_string(ctx.push_interval.count()))
        .append(R"(,"pipeline":)")
        .append(*ctx.pipeline_json())
        .append(R"(,"snapshot":)")
        .append(*snap->stats_frame)
        .append(R"(,"traces":)")
        .append(json::serialize(traces))
        .append(R"(,"errors":)")
        .append(json::serialize(errors))
        .append("}");
    return out;
}

}  // namespace sightline
