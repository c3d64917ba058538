#include "sightline/core/listen_socket.hpp"

#include <sstream>
#include <stdexcept>

namespace sightline {

tcp::endpoint parse_endpoint(const std::string& text) {
    auto colon = text.rfind(':');
    if (colon == std::string::npos) throw std::invalid_argument("address \"" + text + "\" is not HOST:PORT");
    std::string host = text.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    if (host.empty() || host == "*") host = "0.0.0.0";
    if (host == "localhost") host = "127.0.0.1";
    error_code ec;
    auto addr = net::ip::make_address(host, ec);
    if (ec) throw std::invalid_argument("address \"" + text + "\": \"" + host + "\" is not an IP address");
    unsigned long port = 0;
    try {
        std::size_t used = 0;
        port = std::stoul(text.substr(colon + 1), &used);
        if (used != text.size() - colon - 1) throw std::invalid_argument("junk");
    } catch (const std::exception&) {
        throw std::invalid_argument("address \"" + text + "\": bad port");
    }
    if (port > 65535) throw std::invalid_argument("address \"" + text + "\": port above 65535");
    return {addr, static_cast<unsigned short>(port)};
}

namespace {
template <class Endpoint>
std::string print(const Endpoint& e) {
    std::ostringstream out;
    out << e;
    return out.str();
}
}  // namespace

std::string to_string(const tcp::endpoint& e) { return print(e); }
std::string to_string(const udp::endpoint& e) { return print(e); }

void open_listener(tcp::acceptor& a, const tcp::endpoint& at, const std::string& failing) {
    error_code ec;
    a.open(at.protocol(), ec);
    if (!ec) a.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) a.bind(at, ec);
    if (!ec) a.listen(net::socket_base::max_listen_connections, ec);
    if (ec) throw std::runtime_error(failing + " " + to_string(at) + ": " + ec.message());
}

std::string peer_of(const tcp::socket& s) {
    error_code ec;
    auto peer = s.remote_endpoint(ec);
    return ec ? std::string("?") : to_string(peer);
}

void open_bound(udp::socket& s, const udp::endpoint& at, const std::string& failing) {
    error_code ec;
    s.open(at.protocol(), ec);
    if (!ec) s.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) s.bind(at, ec);
    if (ec) throw std::runtime_error(failing + " " + to_string(at) + ": " + ec.message());
}

}  // namespace sightline
