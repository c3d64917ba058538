#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace sightline {

/// A host and a port ("example.com:514", "127.0.0.1:5140", "[::1]:6000").
struct host_port {
    std::string host;
    std::string port;
};

/// Parses "host:port" (an IPv6 host in brackets; the port may be left out when
/// `default_port` is not empty); nullopt with `why` set when it is not one.
std::optional<host_port> parse_host_port(std::string_view text, std::string_view default_port, std::string& why);

/// An HTTP endpoint alerts and http sinks deliver to ("http://host:port/path",
/// "https://host/path").
struct http_url {
    std::string text;    // as configured, for logs and stats
    bool https = false;
    std::string host;
    std::string port;    // "80" (or "443" for https) when absent
    std::string target;  // path and query, "/" when absent
};

/// Parses "http[s]://host[:port][/path[?query]]"; nullopt with `why` set when it is not one.
std::optional<http_url> parse_http_url(std::string_view text, std::string& why);

}  // namespace sightline
