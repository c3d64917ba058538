#pragma once
#include <boost/json/object.hpp>
#include <boost/system/error_code.hpp>
#include <memory>
#include <optional>
#include <string>

#include "sightline/core/param_schema.hpp"
#include "sightline/core/problems.hpp"

// Light on purpose (sinks' headers include it): core/tls_stream.hpp has the rest.
namespace boost::asio::ssl {
class context;
}
typedef struct ssl_st SSL;

namespace sightline {

namespace ssl = boost::asio::ssl;

/// The `tls` parameter of something that connects (README "TLS"): how the server's
/// certificate is checked, and the client's own certificate for servers that ask.
struct tls_client_settings {
    std::string ca_file;       // PEM; empty: the system's trusted CAs
    std::string cert_file;     // a client certificate (PEM) and its key: both or neither
    std::string key_file;
    std::string server_name;   // the name the server's certificate must carry; empty: the host connected to
    bool verify = true;        // false: any certificate is accepted (testing only; warned at start)
};

/// A client's TLS, ready to connect with: the context and the settings it came from.
struct tls_client {
    std::shared_ptr<ssl::context> context;
    tls_client_settings settings;
};

/// The `tls` parameter spec of a client; `when` says when it applies ("with an https:// url").
param_spec tls_client_param(const std::string& when);
/// Checks params' `tls` object under `path`: known keys, file paths, cert_file and
/// key_file together.
void check_tls_client(const boost::json::object& params, const std::string& path, problems& found);
/// The settings of params' `tls`, or nullopt when there is none.
std::optional<tls_client_settings> tls_client_from_params(const boost::json::object& params);

/// A TLS 1.2+ client context that verifies servers against ca_file (or the system's
/// CAs) and offers the client certificate. Throws std::runtime_error naming the file
/// that cannot be used and why. Warns once in the log when verification is off.
std::shared_ptr<const tls_client> make_tls_client(const tls_client_settings& s, const std::string& owner);

/// Before a handshake: names the server (SNI, for names only as RFC 6066 says) and
/// makes OpenSSL check that its certificate carries `host` (or server_name), as a DNS
/// name or an IP address.
void expect_server_name(SSL* ssl, const std::string& host, const tls_client_settings& s);

/// A failed client handshake, readable: "certificate verify failed: unable to get
/// local issuer certificate" rather than OpenSSL's bare reason.
std::string tls_client_error(const boost::system::error_code& ec, SSL* ssl);

}  // namespace sightline
