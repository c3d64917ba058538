#pragma once
/// The TLS stream types (OpenSSL through Asio and Beast), beside core/net.hpp's names.
#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>

#include "sightline/core/net.hpp"

namespace sightline {

namespace ssl = boost::asio::ssl;

/// TLS over Beast's TCP stream (its timeouts, and the WebSocket teardown of TLS).
using tls_stream = beast::ssl_stream<beast::tcp_stream>;

}  // namespace sightline
