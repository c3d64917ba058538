#include "sightline/app/fd_limit.hpp"

#include <sys/resource.h>

namespace sightline {

fd_limit raise_fd_limit() {
    rlimit r{};
    if (::getrlimit(RLIMIT_NOFILE, &r) != 0) return {};
    if (r.rlim_cur < r.rlim_max) {
        rlimit raised = r;
        raised.rlim_cur = r.rlim_max;
        if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) r = raised;
    }
    return {static_cast<std::uint64_t>(r.rlim_cur), static_cast<std::uint64_t>(r.rlim_max)};
}

}  // namespace sightline
