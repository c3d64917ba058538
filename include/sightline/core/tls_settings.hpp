#pragma once
#include <boost/json/object.hpp>
#include <boost/system/error_code.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "sightline/core/param_schema.hpp"
#include "sightline/core/problems.hpp"

// Light on purpose (the configuration includes it): core/tls_stream.hpp has the rest.
namespace boost::asio::ssl {
class context;
}

namespace sightline {

namespace ssl = boost::asio::ssl;

/// The `tls` parameter of something that listens (README "TLS"): its certificate and
/// key, and the CA that client certificates must chain to when they are verified.
struct tls_settings {
    std::string cert_file;
    std::string key_file;
    std::string ca_file;          // empty: none
    bool verify_client = false;   // a client without a certificate from ca_file is refused
    std::chrono::milliseconds handshake_timeout{10000};
};

/// params' `tls` object for the checks of a server's or a client's settings: null when
/// absent or null; when it is no object that is a problem (`hint` shows one).
const boost::json::object* tls_object_to_check(const boost::json::object& params, const std::string& path,
                                               problems& found, std::string_view hint);
/// The string under `key` of a `tls` object ("" when absent).
std::string tls_text(const boost::json::object& tls, std::string_view key);

/// The `tls` parameter spec (an object; absent: plain TCP).
param_spec tls_param();
/// Checks a `tls` object under `path`: known keys, cert_file and key_file given,
/// verify_client only with a ca_file, the timeout in range.
void check_tls(const boost::json::object& params, const std::string& path, problems& found);
/// The settings of params' `tls`, or nullopt when there is none.
std::optional<tls_settings> tls_from_params(const boost::json::object& params);

/// A TLS 1.2+ server context from the files, checked (the key matches the certificate).
/// Throws std::runtime_error naming the file that cannot be used and why.
std::shared_ptr<ssl::context> make_server_tls_context(const tls_settings& s);

/// Why a TLS handshake failed, as counted and logged: "not_tls" (a plaintext client),
/// "certificate" (a client certificate missing or not verified, or the client refused
/// ours), "other".
std::string_view tls_failure_reason(const boost::system::error_code& ec);

}  // namespace sightline
