#pragma once
#include <string>
#include <string_view>

namespace sightline {

/// `data` compressed as one gzip member (RFC 1952) with zlib, for HTTP bodies sent
/// with `Content-Encoding: gzip`. `level` 1 (fast) to 9 (small).
std::string gzip_compress(std::string_view data, int level = 6);

/// The bytes of a gzip stream, for tests; std::runtime_error when it is not one.
std::string gzip_decompress(std::string_view data);

}  // namespace sightline
