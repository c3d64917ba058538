#pragma once
// Builds processors through the registry and runs them over batches, checking the
// accounting identity every run must keep: shared by the processor tests.
#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sightline/core/json_text.hpp"
#include "sightline/core/line_batch.hpp"
#include "sightline/core/param_schema.hpp"
#include "sightline/core/problems.hpp"
#include "sightline/core/tag_table.hpp"
#include "sightline/pipeline/batch_runner.hpp"
#include "sightline/processors/processor.hpp"
#include "sightline/processors/registry.hpp"

namespace processor_testing {

namespace json = boost::json;
using sightline::batch_result;
using sightline::batch_runner;
using sightline::drop_reason;
using sightline::line_batch;
using sightline::processor;
using sightline::tag_id;
using strings = std::vector<std::string>;

/// Builds processors through the registry the way make_processors does, with a port
/// table the test controls and a record of every port_of question.
struct harness {
    sightline::tag_table tags;
    sightline::problems found;
    std::map<std::pair<std::string, std::string>, std::size_t> ports;
    strings port_queries;

    std::unique_ptr<processor> make(std::string_view type, std::string_view params_json = "{}",
                                    std::string path = "processors[0]") {
        const auto* d = sightline::find_processor_type(type);
        BOOST_REQUIRE_MESSAGE(d != nullptr, "no processor type " << type);
        auto obj = json::parse(params_json).as_object();
        sightline::build_context ctx{
            tags,
            [this](std::string_view param, std::string_view key) -> std::optional<std::size_t> {
                port_queries.push_back(std::string(param) + "/" + std::string(key));
                auto it = ports.find({std::string(param), std::string(key)});
                if (it == ports.end()) return std::nullopt;
                return it->second;
            },
            std::move(path), found};
        return d->create(sightline::effective_params(obj, d->schema.params), ctx);
    }

    /// Makes a processor that must build without problems.
    std::unique_ptr<processor> make_ok(std::string_view type, std::string_view params_json = "{}") {
        auto p = make(type, params_json);
        BOOST_REQUIRE_MESSAGE(found.empty(), "unexpected problem: " << (found.empty() ? std::string() : found.items().front()));
        BOOST_REQUIRE(p != nullptr);
        return p;
    }

    /// Names of the tags of the lines on `port`.
    strings tag_names(const batch_result& r, std::size_t port = 0) const {
        strings out;
        for (const auto& l : r.ports.at(port).lines) out.emplace_back(tags.name(l.tag));
        return out;
    }
};

inline line_batch make_batch(const strings& lines, tag_id tag = 0) {
    line_batch b;
    for (const auto& l : lines) b.append(l, tag);
    return b;
}

/// Runs `p` over `in` and checks the accounting identity every run must keep.
inline batch_result run(processor& p, const line_batch& in, std::size_t port_count = 1) {
    batch_runner runner(port_count);
    batch_result r;
    runner.run(p, in, r);
    BOOST_TEST(r.ports.size() == port_count);
    BOOST_TEST(r.lines_in == in.size());
    BOOST_TEST(r.lines_in == r.lines_out + r.dropped_total() + r.errors);
    BOOST_TEST(r.errors == r.failures.size());
    return r;
}

inline strings texts(const batch_result& r, std::size_t port = 0) {
    strings out;
    const auto& b = r.ports.at(port);
    if (!b.bytes) return out;
    for (std::size_t i = 0; i < b.size(); ++i) out.emplace_back(b.text(i));
    return out;
}

/// Each failure as "line|message|error_type".
inline strings failures(const batch_result& r) {
    strings out;
    for (const auto& f : r.failures) out.push_back(f.line + "|" + f.message + "|" + f.error_type);
    return out;
}

inline std::uint64_t dropped(const batch_result& r, drop_reason why) { return r.dropped[static_cast<std::size_t>(why)]; }


/// Line `i` of `port` as "key=value" per field, values in JSON spelling (strings quoted).
inline strings fields_of(const batch_result& r, std::size_t i = 0, std::size_t port = 0) {
    strings out;
    const auto& b = r.ports.at(port);
    for (const auto& f : b.fields_of(i)) {
        std::string v;
        sightline::append_json_value(v, b.value_of(f));
        out.push_back(std::string(sightline::field_keys::name(f.key)) + "=" + v);
    }
    return out;
}

}  // namespace processor_testing
