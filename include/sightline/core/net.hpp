#pragma once
/// One place for the Asio/Beast names the project uses (DESIGN.md §4).
#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/system/error_code.hpp>

namespace sightline {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using udp = net::ip::udp;
using error_code = boost::system::error_code;

/// Completion token for coroutines that treat errors as exceptions (start-up paths only).
inline constexpr auto use_aw = net::use_awaitable;
/// Completion token for coroutines that take errors as values: `auto [ec, n] = co_await ...(use_aw_ec)`.
inline constexpr auto use_aw_ec = net::as_tuple(net::use_awaitable);

/// True for outcomes that are part of normal operation (peer closed, we cancelled).
bool is_benign(const error_code& ec);

}  // namespace sightline
