#include "sightline/core/param_schema.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

namespace json = boost::json;
using sightline::component_schema;
using sightline::effective_params;
using sightline::param_spec;
using sightline::param_type;
using sightline::problems;
using sightline::validate_params;

namespace {

/// A schema with one parameter of every kind the checks treat differently.
const std::vector<param_spec>& test_params() {
    static const std::vector<param_spec> p = {
        {.name = "name", .type = param_type::string, .doc = "Name.", .required = true},
        {.name = "count", .type = param_type::integer, .default_value = 5, .doc = "Count.", .min = 1, .max = 10},
        {.name = "ratio", .type = param_type::number, .default_value = 0.5, .doc = "Ratio.", .min = 0.5, .max = 1.0},
        {.name = "enabled", .type = param_type::boolean, .default_value = true, .doc = "Enabled."},
        {.name = "mode", .type = param_type::string, .default_value = "fast", .doc = "Mode.", .choices = {"fast", "slow"}},
        {.name = "tags", .type = param_type::string_list, .default_value = json::array(), .doc = "Tags."},
        {.name = "labels", .type = param_type::string_map, .default_value = json::object(), .doc = "Labels."},
        {.name = "rules", .type = param_type::object_list, .default_value = json::array(), .doc = "Rules."},
        {.name = "extra", .type = param_type::object, .doc = "Extra."},
    };
    return p;
}

/// Problems of validating `json_text` against test_params() at path "p".
std::vector<std::string> check(const char* json_text) {
    problems found;
    validate_params(json::parse(json_text).as_object(), test_params(), "p", {"type", "id"}, found);
    return found.items();
}

using strings = std::vector<std::string>;

}  // namespace

BOOST_AUTO_TEST_SUITE(param_schema_tests)

BOOST_AUTO_TEST_CASE(valid_object_has_no_problems) {
    auto found = check(R"({"type": "x", "id": "y", "name": "n", "count": 10, "ratio": 1, "enabled": false,
                           "mode": "slow", "tags": ["a", "b"], "labels": {"k": "v"}, "rules": [{}, {"a": 1}],
                           "extra": {"anything": [1, 2]}})");
    BOOST_TEST(found.empty());
    BOOST_TEST(found.size() == 0u);
}

BOOST_AUTO_TEST_CASE(unknown_key_lists_reserved_and_declared_keys) {
    auto found = check(R"({"name": "n", "colour": "red"})");
    BOOST_TEST(found == (strings{"p.colour: unknown key (expected one of: type, id, name, count, ratio, enabled, mode, "
                                 "tags, labels, rules, extra)"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(unknown_key_without_reserved_keys_or_path) {
    problems found;
    std::vector<param_spec> params = {{.name = "a", .type = param_type::string}, {.name = "b", .type = param_type::integer}};
    validate_params(json::parse(R"({"c": 1})").as_object(), params, "", {}, found);
    BOOST_TEST(found.items() == (strings{"c: unknown key (expected one of: a, b)"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(wrong_type_names_expected_and_actual_kind) {
    BOOST_TEST(check(R"({"name": "n", "count": "3"})") == (strings{"p.count: expected integer, got string"}),
               boost::test_tools::per_element());
    BOOST_TEST(check(R"({"name": "n", "count": 2.5})") == (strings{"p.count: expected integer, got number"}),
               boost::test_tools::per_element());
    BOOST_TEST(check(R"({"name": "n", "enabled": 1})") == (strings{"p.enabled: expected boolean, got integer"}),
               boost::test_tools::per_element());
    BOOST_TEST(check(R"({"name": null})") == (strings{"p.name: expected string, got null"}),
               boost::test_tools::per_element());
    BOOST_TEST(check(R"({"name": "n", "ratio": "1"})") == (strings{"p.ratio: expected number, got string"}),
               boost::test_tools::per_element());
    BOOST_TEST(check(R"({"name": "n", "tags": "a"})") == (strings{"p.tags: expected array of strings, got string"}),
               boost::test_tools::per_element());
    BOOST_TEST(check(R"({"name": "n", "labels": []})") == (strings{"p.labels: expected object of strings, got array"}),
               boost::test_tools::per_element());
    BOOST_TEST(check(R"({"name": "n", "rules": {}})") == (strings{"p.rules: expected array of objects, got object"}),
               boost::test_tools::per_element());
    BOOST_TEST(check(R"({"name": "n", "extra": true})") == (strings{"p.extra: expected object, got boolean"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(container_errors_name_the_offending_element) {
    BOOST_TEST(check(R"({"name": "n", "tags": ["a", 3, false]})") ==
                   (strings{"p.tags: element [1] must be a string, got integer"}),
               boost::test_tools::per_element());
    BOOST_TEST(check(R"({"name": "n", "rules": [{}, {}, "x"]})") ==
                   (strings{"p.rules: element [2] must be an object, got string"}),
               boost::test_tools::per_element());
    BOOST_TEST(check(R"({"name": "n", "labels": {"ok": "v", "bad": [1]}})") ==
                   (strings{"p.labels: value of \"bad\" must be a string, got array"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(integer_bounds_are_inclusive_and_reported) {
    BOOST_TEST(check(R"({"name": "n", "count": 1})").empty());
    BOOST_TEST(check(R"({"name": "n", "count": 10})").empty());
    BOOST_TEST(check(R"({"name": "n", "count": 0})") == (strings{"p.count: must be at least 1"}),
               boost::test_tools::per_element());
    BOOST_TEST(check(R"({"name": "n", "count": -7})") == (strings{"p.count: must be at least 1"}),
               boost::test_tools::per_element());
    BOOST_TEST(check(R"({"name": "n", "count": 11})") == (strings{"p.count: must be at most 10"}),
               boost::test_tools::per_element());
    BOOST_TEST(check(R"({"name": "n", "count": 18446744073709551615})") == (strings{"p.count: must be at most 10"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(number_bounds_accept_values_inside_and_integers) {
    BOOST_TEST(check(R"({"name": "n", "ratio": 0.5})").empty());
    BOOST_TEST(check(R"({"name": "n", "ratio": 1})").empty());
    BOOST_TEST(check(R"({"name": "n", "ratio": 0.75})").empty());
    BOOST_TEST(check(R"({"name": "n", "ratio": 1.5})").size() == 1u);
    BOOST_TEST(check(R"({"name": "n", "ratio": 0.25})").size() == 1u);
}

// Regression: bounds were printed in exponent form ("1E0").
BOOST_AUTO_TEST_CASE(number_bounds_are_written_as_plain_numbers) {
    BOOST_TEST(check(R"({"name": "n", "ratio": 1.5})") == (strings{"p.ratio: must be at most 1"}),
               boost::test_tools::per_element());
    BOOST_TEST(check(R"({"name": "n", "ratio": 0.25})") == (strings{"p.ratio: must be at least 0.5"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(choices_list_every_allowed_value) {
    BOOST_TEST(check(R"({"name": "n", "mode": "fast"})").empty());
    BOOST_TEST(check(R"({"name": "n", "mode": "medium"})") ==
                   (strings{"p.mode: must be one of \"fast\", \"slow\", got \"medium\""}),
               boost::test_tools::per_element());
    BOOST_TEST(check(R"({"name": "n", "mode": "FAST"})") ==
                   (strings{"p.mode: must be one of \"fast\", \"slow\", got \"FAST\""}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(missing_required_value_is_reported_with_its_type) {
    BOOST_TEST(check(R"({})") == (strings{"p.name: required string is missing"}), boost::test_tools::per_element());
    problems found;
    std::vector<param_spec> params = {{.name = "ids", .type = param_type::string_list, .required = true},
                                      {.name = "n", .type = param_type::integer, .required = true}};
    validate_params(json::object(), params, "", {}, found);
    BOOST_TEST(found.items() == (strings{"ids: required array of strings is missing", "n: required integer is missing"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(reports_every_problem_in_one_pass_keys_first_then_required) {
    auto found = check(R"({"count": 0, "bogus": 1, "mode": "x", "tags": [1]})");
    BOOST_TEST(found ==
                   (strings{"p.count: must be at least 1",
                            "p.bogus: unknown key (expected one of: type, id, name, count, ratio, enabled, mode, tags, "
                            "labels, rules, extra)",
                            "p.mode: must be one of \"fast\", \"slow\", got \"x\"",
                            "p.tags: element [0] must be a string, got integer", "p.name: required string is missing"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(effective_params_fill_defaults_and_drop_other_keys) {
    auto obj = json::parse(R"({"type": "t", "id": "i", "name": "n", "count": 7, "unknown": 1})").as_object();
    auto eff = effective_params(obj, test_params());
    auto expected = json::parse(R"({"name": "n", "count": 7, "ratio": 0.5, "enabled": true, "mode": "fast",
                                    "tags": [], "labels": {}, "rules": []})");
    BOOST_TEST(json::serialize(eff) == json::serialize(expected));
    BOOST_TEST(eff.size() == 8u);
    BOOST_TEST(!eff.contains("extra"));  // no default, not given
    BOOST_TEST(!eff.contains("type"));
    BOOST_TEST(!eff.contains("unknown"));
}

BOOST_AUTO_TEST_CASE(effective_params_keep_given_values_over_defaults) {
    auto obj = json::parse(R"({"mode": "slow", "enabled": false, "extra": {"x": 1}})").as_object();
    auto eff = effective_params(obj, test_params());
    BOOST_TEST(eff.at("mode").as_string() == "slow");
    BOOST_TEST(eff.at("enabled").as_bool() == false);
    BOOST_TEST(eff.at("count").as_int64() == 5);
    BOOST_TEST(json::serialize(eff.at("extra")) == R"({"x":1})");
    BOOST_TEST(!eff.contains("name"));  // required and missing: no default to fill in
}

BOOST_AUTO_TEST_CASE(to_json_describes_a_parameter) {
    const auto& count = test_params()[1];
    BOOST_TEST(json::serialize(sightline::to_json(count)) ==
               R"({"name":"count","type":"integer","default":5,"required":false,"doc":"Count.","min":1E0,"max":1E1})");
    const auto& mode = test_params()[4];
    BOOST_TEST(json::serialize(sightline::to_json(mode)) ==
               R"({"name":"mode","type":"string","default":"fast","required":false,"doc":"Mode.","choices":["fast","slow"]})");
    const auto& name = test_params()[0];
    BOOST_TEST(json::serialize(sightline::to_json(name)) ==
               R"({"name":"name","type":"string","default":null,"required":true,"doc":"Name."})");
}

BOOST_AUTO_TEST_CASE(to_json_describes_a_schema) {
    component_schema s{"demo", "A demo.", {{.name = "flag", .type = param_type::boolean, .default_value = false, .doc = "F."}}};
    BOOST_TEST(json::serialize(sightline::to_json(s)) ==
               R"({"type":"demo","description":"A demo.","params":[{"name":"flag","type":"boolean","default":false,"required":false,"doc":"F."}]})");
}

BOOST_AUTO_TEST_CASE(type_names_and_paths_read_as_users_expect) {
    BOOST_TEST(sightline::to_string(param_type::string_list) == "array of strings");
    BOOST_TEST(sightline::to_string(param_type::string_map) == "object of strings");
    BOOST_TEST(sightline::to_string(param_type::object_list) == "array of objects");
    BOOST_TEST(sightline::json_kind_name(json::value(std::uint64_t{1})) == "integer");
    BOOST_TEST(sightline::json_kind_name(json::value(1.5)) == "number");
    BOOST_TEST(sightline::path_join("processors[2]", "pattern") == "processors[2].pattern");
    BOOST_TEST(sightline::path_join("", "http") == "http");
    BOOST_TEST(sightline::path_index("processors", 2) == "processors[2]");
}

BOOST_AUTO_TEST_SUITE_END()
