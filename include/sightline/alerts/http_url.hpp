#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace sightline {

/// A plain-HTTP endpoint an alert is delivered to ("http://host:port/path").
struct http_url {
    std::string text;    // as configured, for logs and stats
    std::string host;
    std::string port;    // "80" when absent
    std::string target;  // path and query, "/" when absent
};

/// Parses "http://host[:port][/path[?query]]"; nullopt with `why` set when it is not one
/// (https is refused: delivery speaks plain HTTP on a trusted network or loopback).
std::optional<http_url> parse_http_url(std::string_view text, std::string& why);

}  // namespace sightline
