#include "sightline/core/time_format.hpp"

#include <cstdio>

namespace sightline {

std::int64_t unix_us(std::chrono::system_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

std::string format_rfc3339(std::chrono::system_clock::time_point t) {
    using namespace std::chrono;
    auto us = floor<microseconds>(t);
    auto day = floor<days>(us);
    year_month_day ymd{day};
    hh_mm_ss<microseconds> tod{us - day};
    char buf[64];
    int n = std::snprintf(buf, sizeof(buf), "%04d-%02u-%02uT%02d:%02d:%02d.%06ldZ",
                          static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                          static_cast<unsigned>(ymd.day()), static_cast<int>(tod.hours().count()),
                          static_cast<int>(tod.minutes().count()),
                          static_cast<int>(tod.seconds().count()),
                          static_cast<long>(tod.subseconds().count()));
    return std::string(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
}

}  // namespace sightline
