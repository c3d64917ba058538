#include "sightline/alerts/alert_template.hpp"

#include <boost/test/unit_test.hpp>

#include <map>
#include <string>
#include <vector>

using sightline::alert_template;

namespace {

std::string render(const std::string& text, double value, const std::map<std::string, std::string>& labels = {}) {
    std::string why;
    auto t = alert_template::parse(text, why);
    BOOST_REQUIRE_MESSAGE(t, text + ": " + why);
    return t->render(labels, value, 0.05);
}

std::string why_invalid(const std::string& text) {
    std::string why;
    auto t = alert_template::parse(text, why);
    BOOST_TEST(!t);
    return why;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(alert_template_tests)

BOOST_AUTO_TEST_CASE(fills_labels_and_formats_numbers) {
    BOOST_TEST(render("{stage} fails {value:.1%} of lines", 0.1234, {{"stage", "enrich"}}) == "enrich fails 12.3% of lines");
    BOOST_TEST(render("p99 {value:.2f} us over {threshold}", 5123.456) == "p99 5123.46 us over 0.05");
    BOOST_TEST(render("{value:.1e}", 123456.0) == "1.2e+05");
    BOOST_TEST(render("{value}", 0.25) == "0.25");
    BOOST_TEST(render("{value:.0%}", 1.0) == "100%");
}

BOOST_AUTO_TEST_CASE(double_braces_are_literal_and_unknown_labels_render_empty) {
    BOOST_TEST(render("{{literal}} [{missing}]", 1) == "{literal} []");
    BOOST_TEST(render("no placeholders", 1) == "no placeholders");
}

BOOST_AUTO_TEST_CASE(lists_placeholder_names_in_order) {
    std::string why;
    auto t = alert_template::parse("{stage} {value:.1%} {alertname}", why);
    BOOST_REQUIRE(t);
    BOOST_TEST(t->names() == (std::vector<std::string>{"stage", "value", "alertname"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(malformed_templates_say_what_is_wrong) {
    BOOST_TEST(why_invalid("{stage") == "unclosed { at offset 0");
    BOOST_TEST(why_invalid("a } b") == "unmatched } at offset 2 (write }} for a literal brace)");
    BOOST_TEST(why_invalid("{}") == "bad placeholder {}");
    BOOST_TEST(why_invalid("{sta ge}") == "bad placeholder {sta ge}");
    BOOST_TEST(why_invalid("{value:.1x}") == "bad format in {value:.1x} (expected :.Nf, :.N% or :.Ne)");
    BOOST_TEST(why_invalid("{value:%}") == "bad format in {value:%} (expected :.Nf, :.N% or :.Ne)");
}

BOOST_AUTO_TEST_SUITE_END()
