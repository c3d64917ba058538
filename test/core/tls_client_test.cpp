#include "sightline/core/tls_client.hpp"

#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

#include <stdexcept>
#include <string>
#include <vector>

using namespace sightline;

namespace {
std::vector<std::string> problems_of(std::string_view params) {
    problems found;
    check_tls_client(boost::json::parse(params).as_object(), "sinks[0]", found);
    return found.items();
}
}  // namespace

BOOST_AUTO_TEST_SUITE(tls_client_tests)

BOOST_AUTO_TEST_CASE(a_complete_client_tls_object_is_valid_and_read_back) {
    auto params = boost::json::parse(R"({"tls": {"ca_file": "ca.pem", "cert_file": "c.pem", "key_file": "k.pem",
                                          "server_name": "logs.example.com", "verify": false}})").as_object();
    problems found;
    check_tls_client(params, "sinks[0]", found);
    BOOST_TEST(found.empty());
    auto s = tls_client_from_params(params);
    BOOST_REQUIRE(s);
    BOOST_TEST(s->ca_file == "ca.pem");
    BOOST_TEST(s->cert_file == "c.pem");
    BOOST_TEST(s->key_file == "k.pem");
    BOOST_TEST(s->server_name == "logs.example.com");
    BOOST_TEST(!s->verify);
    auto empty = tls_client_from_params(boost::json::parse(R"({"tls": {}})").as_object());
    BOOST_REQUIRE(empty);
    BOOST_TEST(empty->verify);  // verification is on unless turned off
    BOOST_TEST(empty->ca_file.empty());
    BOOST_TEST(!tls_client_from_params(boost::json::parse(R"({"url": "x"})").as_object()));
}

BOOST_AUTO_TEST_CASE(every_problem_of_a_client_tls_object_is_named) {
    using strings = std::vector<std::string>;
    BOOST_TEST(problems_of(R"({"tls": {"ca_file": "", "verify": "yes", "cert_file": "c.pem", "pin": 1}})") ==
                   (strings{"sinks[0].tls.ca_file: must be a file path", "sinks[0].tls.verify: must be true or false",
                            "sinks[0].tls.pin: unknown key (expected one of: ca_file, cert_file, key_file, server_name, verify)",
                            "sinks[0].tls.key_file: is missing (a client certificate needs both cert_file and key_file)"}),
               boost::test_tools::per_element());
    BOOST_TEST(problems_of(R"({"tls": {"key_file": "k.pem", "server_name": ""}})") ==
                   (strings{"sinks[0].tls.server_name: must be a host name",
                            "sinks[0].tls.cert_file: is missing (a client certificate needs both cert_file and key_file)"}),
               boost::test_tools::per_element());
    BOOST_TEST(problems_of(R"({"tls": true})") ==
                   (strings{"sinks[0].tls: must be an object (e.g. {\"ca_file\": \"/etc/sightline/ca.pem\"})"}),
               boost::test_tools::per_element());
    BOOST_TEST(problems_of(R"({"tls": null})").empty());
}

BOOST_AUTO_TEST_CASE(a_file_that_cannot_be_used_is_named_with_its_owner) {
    tls_client_settings s;
    s.ca_file = "/nonexistent/ca.pem";
    try {
        make_tls_client(s, "sink fwd");
        BOOST_FAIL("a missing ca_file was accepted");
    } catch (const std::runtime_error& e) {
        BOOST_TEST(std::string(e.what()).rfind("sink fwd: tls ca_file /nonexistent/ca.pem: ", 0) == 0, e.what());
    }
}

BOOST_AUTO_TEST_CASE(without_a_ca_file_the_systems_cas_are_trusted) {
    auto client = make_tls_client(tls_client_settings{}, "sink ch");
    BOOST_REQUIRE(client);
    BOOST_TEST(client->context != nullptr);
    BOOST_TEST(client->settings.verify);
}

BOOST_AUTO_TEST_SUITE_END()
