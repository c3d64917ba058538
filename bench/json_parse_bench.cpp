// Boost.JSON against simdjson for parse_json's hot path, on the same JSON lines: the
// figures behind the choice of parser (bench/README.md, "Choosing the JSON parser").
//
//   json_parse_bench FILE [ROUNDS]
//
// Times, per line and median of ROUNDS:
//   boost_sax_null   Boost.JSON's basic_parser with a handler that does nothing (its floor)
//   boost_dom        boost::json::parse into a DOM (what a naive parser would use)
//   simdjson_fields  simdjson On-Demand visiting every member as parse_json must: key,
//                    type, string (unescaped), number, boolean, null, raw JSON of arrays
//   parse_json       Sightline's parse_json processor through the batch runner (fields
//                    stored in the batch, every line emitted)
#include <simdjson.h>

#include <algorithm>
#include <boost/json.hpp>
#include <boost/json/basic_parser_impl.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "sightline/core/param_schema.hpp"
#include "sightline/core/problems.hpp"
#include "sightline/core/tag_table.hpp"
#include "sightline/pipeline/batch_runner.hpp"
#include "sightline/processors/registry.hpp"

namespace {

struct null_handler {
    static constexpr std::size_t max_array_size = -1, max_object_size = -1, max_string_size = -1, max_key_size = -1;
    using ec_t = boost::json::error_code;
    bool on_document_begin(ec_t&) { return true; }
    bool on_document_end(ec_t&) { return true; }
    bool on_array_begin(ec_t&) { return true; }
    bool on_array_end(std::size_t, ec_t&) { return true; }
    bool on_object_begin(ec_t&) { return true; }
    bool on_object_end(std::size_t, ec_t&) { return true; }
    bool on_string_part(boost::json::string_view, std::size_t, ec_t&) { return true; }
    bool on_string(boost::json::string_view, std::size_t, ec_t&) { return true; }
    bool on_key_part(boost::json::string_view, std::size_t, ec_t&) { return true; }
    bool on_key(boost::json::string_view, std::size_t, ec_t&) { return true; }
    bool on_number_part(boost::json::string_view, ec_t&) { return true; }
    bool on_int64(std::int64_t, boost::json::string_view, ec_t&) { return true; }
    bool on_uint64(std::uint64_t, boost::json::string_view, ec_t&) { return true; }
    bool on_double(double, boost::json::string_view, ec_t&) { return true; }
    bool on_bool(bool, ec_t&) { return true; }
    bool on_null(ec_t&) { return true; }
    bool on_comment_part(boost::json::string_view, ec_t&) { return true; }
    bool on_comment(boost::json::string_view, ec_t&) { return true; }
};

template <class F>
double ns_per_line(std::size_t lines, int rounds, F&& run) {
    std::vector<double> t;
    for (int r = 0; r < rounds; ++r) {
        auto t0 = std::chrono::steady_clock::now();
        run();
        t.push_back(std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count() /
                    static_cast<double>(lines));
    }
    std::sort(t.begin(), t.end());
    return t[t.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: json_parse_bench FILE [ROUNDS]\n";
        return 2;
    }
    int rounds = argc > 2 ? std::atoi(argv[2]) : 5;
    std::ifstream in(argv[1], std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string text = ss.str();
    sightline::line_batch batch;
    for (std::size_t start = 0; start < text.size();) {
        auto nl = text.find('\n', start);
        if (nl == std::string::npos) nl = text.size();
        batch.append(std::string_view(text).substr(start, nl - start));
        start = nl + 1;
    }
    const std::size_t n = batch.size();
    std::size_t sink = 0;

    boost::json::basic_parser<null_handler> sax(boost::json::parse_options{});
    double boost_sax = ns_per_line(n, rounds, [&] {
        for (std::size_t i = 0; i < n; ++i) {
            auto l = batch.text(i);
            sax.reset();
            boost::json::error_code ec;
            sink += sax.write_some(false, l.data(), l.size(), ec);
        }
    });
    double boost_dom = ns_per_line(n, rounds, [&] {
        boost::json::monotonic_resource mr;
        for (std::size_t i = 0; i < n; ++i) {
            boost::json::error_code ec;
            auto v = boost::json::parse(batch.text(i), ec, &mr);
            sink += v.is_object() ? v.as_object().size() : 0;
        }
    });

    simdjson::ondemand::parser od;
    std::string padded;
    double simd = ns_per_line(n, rounds, [&] {
        for (std::size_t i = 0; i < n; ++i) {
            auto l = batch.text(i);
            padded.assign(l);
            padded.append(simdjson::SIMDJSON_PADDING, ' ');
            auto doc = od.iterate(padded.data(), l.size(), padded.size());
            simdjson::ondemand::object obj;
            if (doc.get_object().get(obj)) continue;
            for (auto field : obj) {
                std::string_view key;
                if (field.unescaped_key().get(key)) break;
                sink += key.size();
                auto v = field.value();
                simdjson::ondemand::json_type type;
                if (v.type().get(type)) break;
                switch (type) {
                case simdjson::ondemand::json_type::string: {
                    std::string_view s;
                    if (!v.get_string().get(s)) sink += s.size();
                    break;
                }
                case simdjson::ondemand::json_type::number: {
                    simdjson::ondemand::number num;
                    if (!v.get_number().get(num)) sink += static_cast<std::size_t>(num.get_number_type());
                    break;
                }
                case simdjson::ondemand::json_type::boolean: {
                    bool b;
                    if (!v.get_bool().get(b)) sink += b;
                    break;
                }
                case simdjson::ondemand::json_type::array: {
                    simdjson::ondemand::array arr;
                    std::string_view raw;
                    if (!v.get_array().get(arr) && !arr.raw_json().get(raw)) sink += raw.size();
                    break;
                }
                default: sink += v.is_null();
                }
            }
        }
    });

    sightline::tag_table tags;
    sightline::problems found;
    sightline::build_context ctx{tags, [](std::string_view, std::string_view) { return std::optional<std::size_t>(0); },
                                 "bench", found};
    const auto* d = sightline::find_processor_type("parse_json");
    auto p = d->create(sightline::effective_params(boost::json::object{}, d->schema.params), ctx);
    sightline::batch_runner runner(1);
    sightline::batch_result result;
    double ours = ns_per_line(n, rounds, [&] {
        // In batches of 4096 lines, as sources hand them over.
        for (std::size_t from = 0; from < n; from += 4096) {
            sightline::line_batch b;
            for (std::size_t i = from; i < std::min(n, from + 4096); ++i) b.append(batch.text(i));
            runner.run(*p, std::move(b), result);
            sink += result.lines_out;
        }
    });
    std::printf("{\"lines\": %zu, \"boost_sax_null_ns\": %.1f, \"boost_dom_ns\": %.1f, \"simdjson_fields_ns\": %.1f, "
                "\"parse_json_ns\": %.1f, \"checksum\": %zu}\n",
                n, boost_sax, boost_dom, simd, ours, sink);
    return 0;
}
