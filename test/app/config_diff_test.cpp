// What a reload changes: components matched by kind and id, built the same way or not;
// the settings outside the graph only reported.
#include "sightline/app/config_diff.hpp"

#include <boost/test/unit_test.hpp>

#include "sightline/app/config_file.hpp"
#include "../support/config_support.hpp"

using namespace sightline;

namespace {

pipeline_config parse(const std::string& text) { return sightline::test::parse_valid_config(text); }

std::vector<std::string> ids(const std::vector<component_ref>& refs) {
    std::vector<std::string> out;
    for (const auto& r : refs) out.push_back(r.kind + ":" + r.id);
    return out;
}

const char* running = R"({
  "sources": [{"type": "tcp", "id": "in", "listen": "127.0.0.1:9000"}],
  "processors": [{"type": "tagger", "id": "t"}, {"type": "filter", "id": "f", "pattern": "x"}],
  "sinks": [{"type": "file", "id": "out", "path": "a.log"}, {"type": "null", "id": "gone"}],
  "http": {"listen": "127.0.0.1:8000"}
})";

}  // namespace

BOOST_AUTO_TEST_SUITE(config_diff_tests)

BOOST_AUTO_TEST_CASE(components_are_added_removed_changed_or_unchanged_by_id) {
    auto next = parse(R"({
      "sources": [{"type": "tcp", "id": "in", "listen": "127.0.0.1:9000"}],
      "processors": [{"type": "tagger", "id": "t"}, {"type": "filter", "id": "f", "pattern": "y"},
                     {"type": "uppercase", "id": "u"}],
      "sinks": [{"type": "file", "id": "out", "path": "a.log"}],
      "http": {"listen": "127.0.0.1:8000"}
    })");
    auto d = diff_configs(parse(running), next);
    BOOST_TEST(ids(d.added) == (std::vector<std::string>{"processor:u"}), boost::test_tools::per_element());
    BOOST_TEST(ids(d.removed) == (std::vector<std::string>{"sink:gone"}), boost::test_tools::per_element());
    BOOST_TEST(ids(d.changed) == (std::vector<std::string>{"processor:f"}), boost::test_tools::per_element());
    BOOST_TEST(ids(d.unchanged) == (std::vector<std::string>{"source:in", "processor:t", "sink:out"}),
               boost::test_tools::per_element());
    BOOST_TEST(d.restart_required.empty());
    BOOST_TEST(d.any());
}

BOOST_AUTO_TEST_CASE(a_type_change_under_the_same_id_is_a_change) {
    auto next = parse(R"({
      "sources": [{"type": "udp", "id": "in", "listen": "127.0.0.1:9000"}],
      "processors": [{"type": "tagger", "id": "t"}, {"type": "filter", "id": "f", "pattern": "x"}],
      "sinks": [{"type": "file", "id": "out", "path": "a.log"}, {"type": "null", "id": "gone"}],
      "http": {"listen": "127.0.0.1:8000"}
    })");
    auto d = diff_configs(parse(running), next);
    BOOST_TEST(ids(d.changed) == (std::vector<std::string>{"source:in"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(settings_outside_the_graph_are_reported_not_applied) {
    auto next = parse(R"({
      "sources": [{"type": "tcp", "id": "in", "listen": "127.0.0.1:9000"}],
      "processors": [{"type": "tagger", "id": "t"}, {"type": "filter", "id": "f", "pattern": "x"}],
      "sinks": [{"type": "file", "id": "out", "path": "a.log"}, {"type": "null", "id": "gone"}],
      "http": {"listen": "127.0.0.1:8001"},
      "trace": {"enabled": true}
    })");
    auto d = diff_configs(parse(running), next);
    BOOST_TEST(d.restart_required == (std::vector<std::string>{"http", "trace"}), boost::test_tools::per_element());
    BOOST_TEST(!d.any());
    auto j = d.to_json();
    BOOST_TEST(j.at("unchanged").to_number<int>() == 5);
    BOOST_TEST(j.at("restart_required").as_array().size() == 2u);
}

BOOST_AUTO_TEST_CASE(a_sinks_buffer_is_judged_apart_from_the_sink) {
    auto a = parse(R"({"sinks": [{"type": "file", "id": "out", "path": "a.log"}]})");
    auto b = parse(R"({"sinks": [{"type": "file", "id": "out", "path": "a.log", "buffer": {"type": "disk"}}]})");
    auto c = parse(R"({"sinks": [{"type": "file", "id": "out", "path": "b.log"}]})");
    BOOST_TEST(same_component(a.sinks[0], b.sinks[0]));
    BOOST_TEST(!same_component(a.sinks[0], c.sinks[0]));
}

BOOST_AUTO_TEST_SUITE_END()
