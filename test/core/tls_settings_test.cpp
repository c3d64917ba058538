#include "sightline/core/tls_settings.hpp"

#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

using namespace sightline;

namespace {
std::vector<std::string> problems_of(std::string_view params) {
    problems found;
    check_tls(boost::json::parse(params).as_object(), "sources[0]", found);
    return found.items();
}
}  // namespace

BOOST_AUTO_TEST_SUITE(tls_settings_tests)

BOOST_AUTO_TEST_CASE(a_complete_tls_object_is_valid_and_read_back) {
    auto params = boost::json::parse(R"({"tls": {"cert_file": "c.pem", "key_file": "k.pem", "ca_file": "ca.pem",
                                          "verify_client": true, "handshake_timeout_ms": 2500}})").as_object();
    problems found;
    check_tls(params, "sources[0]", found);
    BOOST_TEST(found.empty());
    auto s = tls_from_params(params);
    BOOST_REQUIRE(s);
    BOOST_TEST(s->cert_file == "c.pem");
    BOOST_TEST(s->key_file == "k.pem");
    BOOST_TEST(s->ca_file == "ca.pem");
    BOOST_TEST(s->verify_client);
    BOOST_TEST(s->handshake_timeout.count() == 2500);
    BOOST_TEST(!tls_from_params(boost::json::parse(R"({"listen": "x"})").as_object()));
}

BOOST_AUTO_TEST_CASE(every_problem_of_a_tls_object_is_named) {
    using strings = std::vector<std::string>;
    BOOST_TEST(problems_of(R"({"tls": {"cert_file": "", "verify_client": 1, "handshake_timeout_ms": 5, "pin": "x"}})") ==
               (strings{"sources[0].tls.cert_file: must be a file path",
                        "sources[0].tls.verify_client: must be true or false",
                        "sources[0].tls.handshake_timeout_ms: must be an integer from 100 to 600000",
                        "sources[0].tls.pin: unknown key (expected one of: cert_file, key_file, ca_file, verify_client, "
                        "handshake_timeout_ms)",
                        "sources[0].tls.key_file: is missing"}),
               boost::test_tools::per_element());
    BOOST_TEST(problems_of(R"({"tls": {"cert_file": "c", "key_file": "k", "verify_client": true}})") ==
               (strings{"sources[0].tls.verify_client: needs a ca_file to verify client certificates against"}),
               boost::test_tools::per_element());
    BOOST_TEST(problems_of(R"({"tls": "yes"})") == (strings{"sources[0].tls: must be an object with cert_file and key_file"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_missing_file_is_named_when_the_context_is_made) {
    tls_settings s;
    s.cert_file = "/nonexistent/cert.pem";
    s.key_file = "/nonexistent/key.pem";
    try {
        make_server_tls_context(s);
        BOOST_FAIL("no exception");
    } catch (const std::runtime_error& e) {
        BOOST_TEST(std::string(e.what()).starts_with("tls cert_file /nonexistent/cert.pem: "), e.what());
    }
}

BOOST_AUTO_TEST_SUITE_END()
