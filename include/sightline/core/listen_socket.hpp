#pragma once
#include <string>

#include "sightline/core/net.hpp"

namespace sightline {

/// "HOST:PORT" (HOST an IP address, `[v6]`, `localhost`, `*` or empty for any) as an
/// endpoint; std::invalid_argument says what is wrong with it.
tcp::endpoint parse_endpoint(const std::string& text);

/// "ADDRESS:PORT" as logs and messages print it.
std::string to_string(const tcp::endpoint& e);
std::string to_string(const udp::endpoint& e);
/// The peer of a connected socket as to_string prints it, or "?" once it is gone.
std::string peer_of(const tcp::socket& s);

/// Opens `a`, binds it to `at` (SO_REUSEADDR) and listens. On failure throws
/// std::runtime_error "<failing> ADDRESS: reason", e.g. failing = "source tcp_in: cannot
/// listen on tcp", so a port in use names itself.
void open_listener(tcp::acceptor& a, const tcp::endpoint& at, const std::string& failing);
/// The same for a datagram socket (open, SO_REUSEADDR, bind).
void open_bound(udp::socket& s, const udp::endpoint& at, const std::string& failing);

}  // namespace sightline
