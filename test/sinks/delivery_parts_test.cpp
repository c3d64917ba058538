// The Asio-free parts of network delivery: retry policy, messages, gzip, host:port.
#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

#include "sightline/core/http_url.hpp"
#include "sightline/sinks/delivery_retry.hpp"
#include "sightline/sinks/gzip.hpp"
#include "sightline/sinks/network_sink.hpp"

using namespace sightline;
using std::chrono::milliseconds;

BOOST_AUTO_TEST_SUITE(delivery_parts_tests)

BOOST_AUTO_TEST_CASE(retry_backoff_doubles_up_to_its_ceiling_and_zero_attempts_means_for_ever) {
    auto p = delivery_retry::from_params(
        boost::json::parse(R"({"retry":{"max_attempts":3,"backoff_ms":100,"max_backoff_ms":350}})").as_object());
    BOOST_TEST(p.delay_after(1).count() == 100);
    BOOST_TEST(p.delay_after(2).count() == 200);
    BOOST_TEST(p.delay_after(3).count() == 350);
    BOOST_TEST(p.delay_after(40).count() == 350);
    BOOST_TEST(p.allows(2));
    BOOST_TEST(!p.allows(3));
    auto forever = delivery_retry::from_params(boost::json::parse(R"({"retry":{"max_attempts":0}})").as_object());
    BOOST_TEST(forever.allows(1'000'000));
    BOOST_TEST(forever.backoff.count() == 100);  // keys left out keep their defaults
}

BOOST_AUTO_TEST_CASE(retry_check_names_each_bad_key_with_its_path) {
    problems found;
    delivery_retry::check(
        boost::json::parse(R"({"retry":{"max_attempts":-1,"backoff_ms":900,"max_backoff_ms":100,"tries":2}})").as_object(),
        "sinks[0]", found);
    std::vector<std::string> got = found.items();
    std::sort(got.begin(), got.end());
    BOOST_TEST(got == (std::vector<std::string>{"sinks[0].retry.backoff_ms: must not exceed max_backoff_ms",
                                                "sinks[0].retry.max_attempts: must be an integer from 0 to 1000000",
                                                "sinks[0].retry.tries: unknown key (max_attempts, backoff_ms, max_backoff_ms)"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_message_slices_its_payload_per_line_and_finds_each_line_in_its_batch) {
    auto a = std::make_shared<line_batch>();
    a->append("zero");
    a->append("one");
    a->append("two");
    auto b = std::make_shared<line_batch>();
    b->append("three");
    outgoing_message m;
    m.payload = "one\ntwo\nthree\n";
    m.ends = {4, 8, 14};
    m.spans = {{a, 1, 2}, {b, 0, 1}};
    BOOST_TEST(m.line_count() == 3u);
    BOOST_TEST(m.payload_of(0, 1) == "one\n");
    BOOST_TEST(m.payload_of(1, 3) == "two\nthree\n");
    BOOST_TEST(m.payload_of(0, 0) == "");
    for (std::size_t i = 0; i < 3; ++i) {
        auto [batch, at] = m.line(i);
        BOOST_TEST(batch->text(at) == std::vector<std::string>({"one", "two", "three"})[i]);
    }
    BOOST_TEST(m.line(3).first == nullptr);
}

BOOST_AUTO_TEST_CASE(gzip_round_trips_and_refuses_what_is_no_gzip) {
    std::string text;
    for (int i = 0; i < 2000; ++i) text += "{\"severity\":\"info\",\"n\":" + std::to_string(i) + "}\n";
    auto packed = gzip_compress(text, 1);
    BOOST_TEST(packed.size() < text.size() / 4);
    BOOST_TEST(static_cast<unsigned char>(packed[0]) == 0x1f);  // the gzip magic
    BOOST_TEST(static_cast<unsigned char>(packed[1]) == 0x8b);
    BOOST_TEST(gzip_decompress(packed) == text);
    BOOST_TEST(gzip_decompress(gzip_compress("")) == "");
    BOOST_CHECK_THROW(gzip_decompress("not gzip at all"), std::runtime_error);
    BOOST_CHECK_THROW(gzip_decompress(packed.substr(0, packed.size() / 2)), std::runtime_error);
}

BOOST_AUTO_TEST_CASE(host_port_takes_names_addresses_and_bracketed_v6) {
    std::string why;
    auto a = parse_host_port("collector.example:514", "", why);
    BOOST_REQUIRE(a);
    BOOST_TEST(a->host == "collector.example");
    BOOST_TEST(a->port == "514");
    auto b = parse_host_port("[::1]:6000", "", why);
    BOOST_REQUIRE(b);
    BOOST_TEST(b->host == "::1");
    BOOST_TEST(!parse_host_port("collector.example", "", why));
    BOOST_TEST(why == "missing :port");
    BOOST_TEST(parse_host_port("collector.example", "80", why)->port == "80");
    BOOST_TEST(!parse_host_port("h:0", "", why));
    BOOST_TEST(why == "bad port \"0\"");
    BOOST_TEST(!parse_host_port(":514", "", why));
    BOOST_TEST(why == "missing host");
}

BOOST_AUTO_TEST_SUITE_END()
