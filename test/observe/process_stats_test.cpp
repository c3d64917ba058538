// The process figures of the system panel: a peak is never below the current value
// (the kernel's ru_maxrss lags; it once read 11.6 MiB against 11.7 MiB now).
#include "sightline/observe/process_stats.hpp"

#include <boost/test/unit_test.hpp>

#include <cstring>
#include <memory>

using namespace sightline;

BOOST_AUTO_TEST_SUITE(process_stats_tests)

BOOST_AUTO_TEST_CASE(peak_rss_is_never_below_rss) {
    for (int round = 0; round < 20; ++round) {
        // Touch fresh pages, so the resident set grows between readings.
        auto block = std::make_unique<char[]>(1 << 20);
        std::memset(block.get(), round, 1 << 20);
        system_stats s;
        read_process_figures(s);
        BOOST_TEST_REQUIRE(s.rss_bytes > 0u);
        BOOST_TEST_REQUIRE(s.peak_rss_bytes >= s.rss_bytes);
    }
}

BOOST_AUTO_TEST_SUITE_END()
