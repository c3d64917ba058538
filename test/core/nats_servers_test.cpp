#include "sightline/core/nats_client.hpp"

#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

using namespace sightline;

namespace {
std::vector<std::string> problems_of(std::string_view params) {
    problems found;
    check_nats_servers(boost::json::parse(params).as_object(), "sinks[0]", found);
    return found.items();
}
}  // namespace

BOOST_AUTO_TEST_SUITE(nats_servers_tests)

BOOST_AUTO_TEST_CASE(the_host_of_a_nats_url) {
    BOOST_TEST(nats_url_host("nats://127.0.0.1:4222") == "127.0.0.1");
    BOOST_TEST(nats_url_host("tls://user:secret@nats.example.com:4222") == "nats.example.com");
    BOOST_TEST(nats_url_host("tls://[::1]:4222") == "::1");
    BOOST_TEST(nats_url_host("nats://nats.example.com") == "nats.example.com");
}

BOOST_AUTO_TEST_CASE(servers_are_nats_or_tls_urls_and_tls_needs_one_name) {
    using strings = std::vector<std::string>;
    BOOST_TEST(problems_of(R"({"servers": ["nats://a:4222", "tls://a:4223"]})").empty());
    BOOST_TEST(problems_of(R"({"servers": ["nats://a:4222", "nats://b:4222"]})").empty());  // no TLS: no name to check
    BOOST_TEST(problems_of(R"({"servers": ["tls://a:4222", "tls://b:4222"], "tls": {"server_name": "nats"}})").empty());
    BOOST_TEST(problems_of(R"({"servers": ["tls://a:4222", "tls://b:4222"]})") ==
                   (strings{"sinks[0].tls: servers of different host names need tls.server_name, the name their "
                            "certificates carry (nats.c verifies one name for all)"}),
               boost::test_tools::per_element());
    BOOST_TEST(problems_of(R"({"servers": ["http://a:4222"], "tls": {"verify": 1}})") ==
                   (strings{"sinks[0].servers[0]: expected nats://host:port or tls://host:port",
                            "sinks[0].tls.verify: must be true or false"}),
               boost::test_tools::per_element());
    BOOST_TEST(problems_of(R"({"servers": []})") == (strings{"sinks[0].servers: needs at least one URL"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(tls_urls_imply_tls_and_its_files_are_checked_at_once) {
    BOOST_TEST(!nats_tls_of(boost::json::parse(R"({"servers": ["nats://a:4222"]})").as_object(), "sink js"));
    auto implied = nats_tls_of(boost::json::parse(R"({"servers": ["tls://a:4222"]})").as_object(), "sink js");
    BOOST_REQUIRE(implied);
    BOOST_TEST(implied->verify);
    BOOST_CHECK_EXCEPTION(
        nats_tls_of(boost::json::parse(R"({"servers": ["nats://a:4222"], "tls": {"ca_file": "/nonexistent/ca.pem"}})")
                        .as_object(),
                    "sink js"),
        std::runtime_error, [](const std::runtime_error& e) {
            return std::string(e.what()).rfind("sink js: tls ca_file /nonexistent/ca.pem: ", 0) == 0;
        });
}

BOOST_AUTO_TEST_SUITE_END()
