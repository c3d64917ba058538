#include "sightline/core/http_url.hpp"

#include <algorithm>
#include <charconv>

namespace sightline {

std::optional<host_port> parse_host_port(std::string_view authority, std::string_view default_port, std::string& why) {
    std::string_view host = authority, port = default_port;
    bool has_port = false;
    if (!authority.empty() && authority.front() == '[') {  // [::1]:9093
        auto close = authority.find(']');
        if (close == std::string_view::npos) {
            why = "unclosed [ in the host";
            return std::nullopt;
        }
        host = authority.substr(1, close - 1);
        auto after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') {
                why = "expected :port after ]";
                return std::nullopt;
            }
            port = after.substr(1);
            has_port = true;
        }
    } else if (auto colon = authority.rfind(':'); colon != std::string_view::npos) {
        host = authority.substr(0, colon);
        port = authority.substr(colon + 1);
        has_port = true;
    }
    if (host.empty()) {
        why = "missing host";
        return std::nullopt;
    }
    if (!has_port && default_port.empty()) {
        why = "missing :port";
        return std::nullopt;
    }
    unsigned n = 0;
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), n);
    if (port.empty() || ec != std::errc() || p != port.data() + port.size() || n == 0 || n > 65535) {
        why = "bad port \"" + std::string(port) + "\"";
        return std::nullopt;
    }
    return host_port{std::string(host), std::string(port)};
}

std::optional<http_url> parse_http_url(std::string_view text, std::string& why) {
    bool https = text.substr(0, 8) == "https://";
    if (!https && text.substr(0, 7) != "http://") {
        why = "expected http://host[:port][/path] or https://host[:port][/path]";
        return std::nullopt;
    }
    auto rest = text.substr(https ? 8 : 7);
    auto slash = rest.find('/');
    auto authority = rest.substr(0, slash);
    http_url u;
    u.text = std::string(text);
    u.https = https;
    u.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
    if (authority.find('@') != std::string_view::npos) {
        why = "credentials in the URL are not supported";
        return std::nullopt;
    }
    auto hp = parse_host_port(authority, https ? "443" : "80", why);
    if (!hp) return std::nullopt;
    if (std::any_of(u.target.begin(), u.target.end(), [](char c) { return c <= ' ' || c == 0x7f; })) {
        why = "spaces or control characters in the path";
        return std::nullopt;
    }
    u.host = std::move(hp->host);
    u.port = std::move(hp->port);
    return u;
}

}  // namespace sightline
