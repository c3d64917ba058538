#include "sightline/pipeline/graph.hpp"

#include <boost/test/unit_test.hpp>

#include <optional>
#include <string>
#include <vector>

#include "sightline/app/config_file.hpp"
#include "sightline/app/pipeline.hpp"

using sightline::build_graph;
using sightline::pipeline_config;
using sightline::pipeline_graph;
using sightline::problems;

namespace {

using strings = std::vector<std::string>;

/// Parses a configuration that must have no problems of its own.
pipeline_config parse_ok(std::string_view text) {
    problems found;
    auto cfg = sightline::parse_config(text, found);
    BOOST_REQUIRE_MESSAGE(found.empty(), "config problems: " << (found.empty() ? std::string() : found.items().front()));
    return cfg;
}

/// Every edge as "from->to" or "from->to [route]", in graph order.
strings edges_of(const pipeline_graph& g) {
    strings out;
    for (const auto& e : g.edges) out.push_back(e.from + "->" + e.to + (e.route.empty() ? "" : " [" + e.route + "]"));
    return out;
}

strings node_ids(const pipeline_graph& g) {
    strings out;
    for (const auto& n : g.nodes) out.push_back(n.id());
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(graph_tests)

BOOST_AUTO_TEST_CASE(implicit_edges_chain_source_processors_and_every_sink) {
    auto cfg = parse_ok(R"({"sources": [{"type": "file", "id": "in", "path": "a.log"}],
                            "processors": [{"type": "tagger"}, {"type": "uppercase"}, {"type": "sample"}],
                            "sinks": [{"type": "stdout", "id": "out1"}, {"type": "null", "id": "out2"}]})");
    problems found;
    auto g = build_graph(cfg, found);
    BOOST_TEST(found.empty());
    BOOST_TEST(node_ids(g) == (strings{"in", "tagger", "uppercase", "sample", "out1", "out2"}),
               boost::test_tools::per_element());
    BOOST_TEST(edges_of(g) == (strings{"in->tagger", "tagger->uppercase", "uppercase->sample", "sample->out1",
                                       "sample->out2"}),
               boost::test_tools::per_element());
    BOOST_TEST_REQUIRE(g.find("out2") != nullptr);
    BOOST_TEST(g.find("out2")->inputs == (strings{"sample"}), boost::test_tools::per_element());
    BOOST_TEST(g.find("tagger")->inputs == (strings{"in"}), boost::test_tools::per_element());
    BOOST_TEST(g.find("in")->inputs.empty());
    BOOST_TEST(g.find("nope") == nullptr);
    // Plain stages have exactly one port, "next".
    const auto* t = g.find("tagger");
    BOOST_TEST_REQUIRE(t->ports.size() == 1u);
    BOOST_TEST(t->ports[0].param == "next");
    BOOST_TEST(t->ports[0].route() == "");
    BOOST_TEST(pipeline_graph::port_index(*t, "next", "").value_or(99) == 0u);
}

BOOST_AUTO_TEST_CASE(without_processors_sources_feed_every_sink) {
    auto cfg = parse_ok(R"({"sources": [{"type": "file", "id": "a", "path": "a.log"}, {"type": "file", "id": "b", "path": "b"}],
                            "sinks": [{"type": "null", "id": "s1"}, {"type": "null", "id": "s2"}]})");
    problems found;
    auto g = build_graph(cfg, found);
    BOOST_TEST(found.empty());
    BOOST_TEST(edges_of(g) == (strings{"a->s1", "a->s2", "b->s1", "b->s2"}), boost::test_tools::per_element());
    BOOST_TEST(g.find("s1")->inputs == (strings{"a", "b"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(explicit_next_replaces_the_implicit_edge) {
    auto cfg = parse_ok(R"({"processors": [{"type": "uppercase", "id": "a", "next": ["c", "out2"]},
                                           {"type": "lowercase", "id": "b", "next": "out1"},
                                           {"type": "sample", "id": "c"}],
                            "sinks": [{"type": "null", "id": "out1"}, {"type": "null", "id": "out2"}]})");
    problems found;
    auto g = build_graph(cfg, found);
    BOOST_TEST(found.empty());
    BOOST_TEST(edges_of(g) == (strings{"a->c", "a->out2", "b->out1", "c->out1", "c->out2"}),
               boost::test_tools::per_element());
    BOOST_TEST(g.find("out1")->inputs == (strings{"b", "c"}), boost::test_tools::per_element());
    BOOST_TEST(g.find("out2")->inputs == (strings{"a", "c"}), boost::test_tools::per_element());
    BOOST_TEST(g.find("b")->inputs.empty());
}

BOOST_AUTO_TEST_CASE(source_next_is_explicit_too) {
    auto cfg = parse_ok(R"({"sources": [{"type": "file", "id": "in", "path": "x", "next": "b"}],
                            "processors": [{"type": "uppercase", "id": "a", "next": "out"}, {"type": "lowercase", "id": "b"}],
                            "sinks": [{"type": "null", "id": "out"}]})");
    problems found;
    auto g = build_graph(cfg, found);
    BOOST_TEST(found.items() == (strings{"processors[0]: stage \"a\" is not reachable from any source"}),
               boost::test_tools::per_element());
    BOOST_TEST(edges_of(g) == (strings{"in->b", "a->out", "b->out"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(router_has_one_port_per_route_and_default_with_labelled_edges) {
    auto cfg = parse_ok(R"({"sources": [{"type": "file", "id": "in", "path": "a.log"}],
                            "processors": [{"type": "tagger", "id": "t"},
                                           {"type": "tag_router", "id": "r",
                                            "routes": {"error": "errs", "warn": "warns"}, "default": "rest"}],
                            "sinks": [{"type": "null", "id": "errs"}, {"type": "null", "id": "warns"},
                                      {"type": "null", "id": "rest"}]})");
    problems found;
    auto g = build_graph(cfg, found);
    BOOST_TEST(found.empty());
    BOOST_TEST(edges_of(g) ==
                   (strings{"in->t", "t->r", "r->errs [error]", "r->warns [warn]", "r->rest [default]"}),
               boost::test_tools::per_element());
    const auto* r = g.find("r");
    BOOST_TEST_REQUIRE(r != nullptr);
    BOOST_TEST_REQUIRE(r->ports.size() == 3u);
    BOOST_TEST(r->ports[0].param == "routes");
    BOOST_TEST(r->ports[0].key == "error");
    BOOST_TEST(r->ports[0].targets == (strings{"errs"}), boost::test_tools::per_element());
    BOOST_TEST(r->ports[2].param == "default");
    BOOST_TEST(r->ports[2].key == "");
    BOOST_TEST(r->ports[2].route() == "default");
    BOOST_TEST(pipeline_graph::port_index(*r, "routes", "error").value_or(99) == 0u);
    BOOST_TEST(pipeline_graph::port_index(*r, "routes", "warn").value_or(99) == 1u);
    BOOST_TEST(pipeline_graph::port_index(*r, "default", "").value_or(99) == 2u);
    BOOST_TEST(!pipeline_graph::port_index(*r, "routes", "info").has_value());
    BOOST_TEST(!pipeline_graph::port_index(*r, "next", "").has_value());
    BOOST_TEST(sightline::validate(cfg).empty());
}

BOOST_AUTO_TEST_CASE(router_does_not_feed_the_next_processor_implicitly) {
    auto cfg = parse_ok(R"({"sources": [{"type": "file", "id": "in", "path": "a.log"}],
                            "processors": [{"type": "tag_router", "id": "r", "default": "out"},
                                           {"type": "uppercase", "id": "u"}],
                            "sinks": [{"type": "null", "id": "out"}]})");
    problems found;
    auto g = build_graph(cfg, found);
    BOOST_TEST(edges_of(g) == (strings{"in->r", "r->out [default]", "u->out"}), boost::test_tools::per_element());
    BOOST_TEST(found.items() == (strings{"processors[1]: stage \"u\" is not reachable from any source"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(unknown_edge_target_is_reported_at_the_edge) {
    auto cfg = parse_ok(R"({"sources": [{"type": "file", "id": "in", "path": "a.log"}],
                            "processors": [{"type": "tagger"},
                                           {"type": "tag_router", "routes": {"error": "erors", "warn": "out"}}],
                            "sinks": [{"type": "null", "id": "out"}]})");
    problems found;
    auto g = build_graph(cfg, found);
    BOOST_TEST(found.size() == 1u);
    BOOST_TEST(found.items() == (strings{"processors[1].routes.error: unknown stage \"erors\""}),
               boost::test_tools::per_element());
    // The bad edge is dropped; the good one stays.
    BOOST_TEST(edges_of(g) == (strings{"in->tagger", "tagger->tag_router", "tag_router->out [warn]"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(unknown_next_and_default_targets_name_their_paths) {
    auto cfg = parse_ok(R"({"processors": [{"type": "uppercase", "id": "a", "next": "nope"},
                                           {"type": "lowercase", "id": "b", "next": ["out", "gone"]},
                                           {"type": "tag_router", "id": "r", "default": "void"}],
                            "sinks": [{"type": "null", "id": "out"}]})");
    problems found;
    build_graph(cfg, found);
    BOOST_TEST(found.items() == (strings{"processors[0].next: unknown stage \"nope\"",
                                         "processors[1].next[1]: unknown stage \"gone\"",
                                         "processors[2].default: unknown stage \"void\""}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(edge_into_a_source_is_rejected) {
    auto cfg = parse_ok(R"({"sources": [{"type": "file", "id": "in", "path": "a.log"},
                                        {"type": "file", "id": "in2", "path": "b.log", "next": "in"}],
                            "processors": [{"type": "uppercase", "id": "a", "next": ["in", "out"]}],
                            "sinks": [{"type": "null", "id": "out"}]})");
    problems found;
    auto g = build_graph(cfg, found);
    BOOST_TEST(found.items() ==
                   (strings{"sources[1].next: \"in\" is a source; edges lead to processors and sinks",
                            "processors[0].next[0]: \"in\" is a source; edges lead to processors and sinks"}),
               boost::test_tools::per_element());
    BOOST_TEST(edges_of(g) == (strings{"in->a", "a->out"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(cycle_is_reported_with_its_chain) {
    auto cfg = parse_ok(R"({"sources": [{"type": "file", "id": "in", "path": "a.log"}],
                            "processors": [{"type": "uppercase", "id": "a"}, {"type": "lowercase", "id": "b"},
                                           {"type": "sample", "id": "c", "next": ["a", "out"]}],
                            "sinks": [{"type": "null", "id": "out"}]})");
    problems found;
    auto g = build_graph(cfg, found);
    BOOST_TEST(found.items() == (strings{"processors[0]: cycle: a -> b -> c -> a"}), boost::test_tools::per_element());
    BOOST_TEST(edges_of(g) == (strings{"in->a", "a->b", "b->c", "c->a", "c->out"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(two_stage_cycle_without_sources_is_reported_once) {
    auto cfg = parse_ok(R"({"processors": [{"type": "uppercase", "id": "a", "next": "b"},
                                           {"type": "lowercase", "id": "b", "next": "a"}]})");
    problems found;
    build_graph(cfg, found);
    BOOST_TEST(found.items() == (strings{"processors[0]: cycle: a -> b -> a"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(edge_to_itself_is_a_cycle_at_the_edge) {
    auto cfg = parse_ok(R"({"processors": [{"type": "uppercase", "id": "a", "next": "a"}],
                            "sinks": [{"type": "null", "id": "out"}]})");
    problems found;
    auto g = build_graph(cfg, found);
    BOOST_TEST(found.items() == (strings{"processors[0].next: cycle: a -> a"}), boost::test_tools::per_element());
    BOOST_TEST(g.edges.empty());
}

BOOST_AUTO_TEST_CASE(empty_next_is_reported) {
    auto cfg = parse_ok(R"({"processors": [{"type": "uppercase", "id": "a", "next": []}],
                            "sinks": [{"type": "null", "id": "out"}]})");
    problems found;
    build_graph(cfg, found);
    BOOST_TEST(found.items() == (strings{"processors[0].next: empty: lines would go nowhere"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(repeated_target_gives_one_edge) {
    auto cfg = parse_ok(R"({"processors": [{"type": "uppercase", "id": "a", "next": ["out", "out"]}],
                            "sinks": [{"type": "null", "id": "out"}]})");
    problems found;
    auto g = build_graph(cfg, found);
    BOOST_TEST(found.empty());
    BOOST_TEST(edges_of(g) == (strings{"a->out"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(unreachable_stage_is_reported_when_there_are_sources) {
    auto cfg = parse_ok(R"({"sources": [{"type": "file", "id": "in", "path": "a.log"}],
                            "processors": [{"type": "uppercase", "id": "a", "next": "c"},
                                           {"type": "lowercase", "id": "b"}, {"type": "sample", "id": "c"}],
                            "sinks": [{"type": "null", "id": "out"}]})");
    problems found;
    build_graph(cfg, found);
    BOOST_TEST(found.items() == (strings{"processors[1]: stage \"b\" is not reachable from any source"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(unreachable_sink_is_reported_when_there_are_sources) {
    auto cfg = parse_ok(R"({"sources": [{"type": "file", "id": "in", "path": "a.log"}],
                            "processors": [{"type": "uppercase", "id": "a", "next": "out1"}],
                            "sinks": [{"type": "null", "id": "out1"}, {"type": "null", "id": "out2"}]})");
    problems found;
    build_graph(cfg, found);
    BOOST_TEST(found.items() == (strings{"sinks[1]: sink \"out2\" is not reachable from any source"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(reachability_is_not_checked_without_sources) {
    auto cfg = parse_ok(R"({"processors": [{"type": "uppercase", "id": "a", "next": "out1"},
                                           {"type": "lowercase", "id": "b", "next": "out1"}],
                            "sinks": [{"type": "null", "id": "out1"}, {"type": "null", "id": "out2"}]})");
    problems found;
    build_graph(cfg, found);
    BOOST_TEST(found.empty());
}

BOOST_AUTO_TEST_CASE(validate_reports_a_router_without_routes_or_default) {
    auto cfg = parse_ok(R"({"processors": [{"type": "tagger"}, {"type": "tag_router", "id": "r"}],
                            "sinks": [{"type": "null", "id": "out"}]})");
    problems graph_found;
    auto g = build_graph(cfg, graph_found);
    BOOST_TEST(graph_found.empty());
    BOOST_TEST(g.find("r")->ports.empty());
    auto found = sightline::validate(cfg);
    BOOST_TEST(found.items() ==
                   (strings{"processors[1].routes: a tag_router needs at least one route or a default"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(validate_reports_processor_parameter_problems_after_graph_problems) {
    auto cfg = parse_ok(R"({"processors": [{"type": "filter", "pattern": "(", "regex": true, "next": "missing"}],
                            "sinks": [{"type": "null", "id": "out"}]})");
    auto found = sightline::validate(cfg);
    BOOST_TEST_REQUIRE(found.size() == 2u);
    BOOST_TEST(found.items()[0] == "processors[0].next: unknown stage \"missing\"");
    BOOST_TEST(found.items()[1].rfind("processors[0].pattern: invalid regex", 0) == 0u);
}

// Regression: an edge parameter of the wrong shape made a port (and crashed on non-strings).
BOOST_AUTO_TEST_CASE(router_with_a_non_string_route_target_is_reported_not_crashed) {
    problems found;
    auto cfg = sightline::parse_config(R"({"processors": [{"type": "tag_router", "routes": {"error": 5}}],
                                           "sinks": [{"type": "null", "id": "out"}]})",
                                       found);
    BOOST_TEST(found.items() == (strings{"processors[0].routes: value of \"error\" must be a string, got integer"}),
               boost::test_tools::per_element());
    found.merge(sightline::validate(cfg));
    BOOST_TEST(found.size() == 1u);
}

// Regression: an edge parameter of the wrong shape made a port (and crashed on non-strings).
BOOST_AUTO_TEST_CASE(router_with_a_string_routes_value_gets_one_problem) {
    problems found;
    auto cfg = sightline::parse_config(R"({"processors": [{"type": "tag_router", "routes": "nowhere"}],
                                           "sinks": [{"type": "null", "id": "out"}]})",
                                       found);
    found.merge(sightline::validate(cfg));
    BOOST_TEST(found.items() == (strings{"processors[0].routes: expected object of strings, got string"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(invalid_components_stay_in_the_graph_but_are_not_built) {
    // An unknown type and bad parameters are parse problems; the components still take
    // part in the graph so edges to them resolve, and validate() adds nothing more.
    problems found;
    auto cfg = sightline::parse_config(R"({"sources": [{"type": "file", "id": "in", "path": "a.log"}],
                                           "processors": [{"type": "uppercas", "id": "u"},
                                                          {"type": "filter", "id": "f", "pattern": "(", "regex": 1}],
                                           "sinks": [{"type": "null", "id": "out"}]})",
                                       found);
    BOOST_TEST(found.size() == 2u);
    problems graph_found;
    auto g = build_graph(cfg, graph_found);
    BOOST_TEST(graph_found.empty());
    BOOST_TEST(edges_of(g) == (strings{"in->u", "u->f", "f->out"}), boost::test_tools::per_element());
    BOOST_TEST(sightline::validate(cfg).empty());
}

BOOST_AUTO_TEST_SUITE_END()
