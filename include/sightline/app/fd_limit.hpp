#pragma once
#include <cstdint>

namespace sightline {

/// The soft and hard RLIMIT_NOFILE after raise_fd_limit().
struct fd_limit {
    std::uint64_t soft = 0;
    std::uint64_t hard = 0;
};

/// Raises the soft limit on open files to the hard limit. Every connection is a file
/// descriptor: with a common soft limit of 1024 the service would refuse peers (EMFILE)
/// long before the tcp source's max_connections (10 000) or the HTTP cap (1024).
fd_limit raise_fd_limit();

}  // namespace sightline
