#include "sightline/core/tls_settings.hpp"

#include "sightline/core/tls_stream.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <stdexcept>

namespace sightline {

namespace json = boost::json;

param_spec tls_param() {
    return {.name = "tls",
            .type = param_type::object,
            .doc = "Serve TLS: {\"cert_file\", \"key_file\" (PEM), \"ca_file\" (PEM: the CA client certificates "
                   "chain to), \"verify_client\": false (true: refuse clients without such a certificate), "
                   "\"handshake_timeout_ms\": 10000}. SIGHUP reloads the files."};
}

const json::object* tls_object_to_check(const json::object& params, const std::string& path, problems& found,
                                        std::string_view hint) {
    const auto* v = params.if_contains("tls");
    if (!v || v->is_null()) return nullptr;
    if (!v->is_object()) {
        found.add(path_join(path, "tls"), "must be an object " + std::string(hint));
        return nullptr;
    }
    return &v->as_object();
}

std::string tls_text(const json::object& tls, std::string_view key) {
    const auto* t = tls.if_contains(key);
    return t && t->is_string() ? std::string(t->as_string()) : std::string();
}

void check_tls(const json::object& params, const std::string& path, problems& found) {
    const auto* tls = tls_object_to_check(params, path, found, "with cert_file and key_file");
    if (!tls) return;
    const auto& o = *tls;
    auto where = path_join(path, "tls");
    for (const auto& [key, value] : o) {
        if (key == "cert_file" || key == "key_file" || key == "ca_file") {
            if (!value.is_string() || value.as_string().empty()) found.add(path_join(where, key), "must be a file path");
        } else if (key == "verify_client") {
            if (!value.is_bool()) found.add(path_join(where, key), "must be true or false");
        } else if (key == "handshake_timeout_ms") {
            if (!value.is_int64() || value.as_int64() < 100 || value.as_int64() > 600000)
                found.add(path_join(where, key), "must be an integer from 100 to 600000");
        } else {
            found.add(path_join(where, key),
                      "unknown key (expected one of: cert_file, key_file, ca_file, verify_client, handshake_timeout_ms)");
        }
    }
    for (const char* required : {"cert_file", "key_file"})
        if (!o.contains(required)) found.add(path_join(where, required), "is missing");
    const auto* verify = o.if_contains("verify_client");
    if (verify && verify->is_bool() && verify->as_bool() && !o.contains("ca_file"))
        found.add(path_join(where, "verify_client"), "needs a ca_file to verify client certificates against");
}

std::optional<tls_settings> tls_from_params(const json::object& params) {
    const auto* v = params.if_contains("tls");
    if (!v || !v->is_object()) return std::nullopt;
    const auto& o = v->as_object();
    tls_settings s;
    s.cert_file = tls_text(o, "cert_file");
    s.key_file = tls_text(o, "key_file");
    s.ca_file = tls_text(o, "ca_file");
    if (const auto* b = o.if_contains("verify_client"); b && b->is_bool()) s.verify_client = b->as_bool();
    if (const auto* t = o.if_contains("handshake_timeout_ms"); t && t->is_int64())
        s.handshake_timeout = std::chrono::milliseconds(t->as_int64());
    return s;
}

namespace {
/// OpenSSL's reason, readable ("no such file", "key values mismatch").
std::string reason_of(const boost::system::system_error& e) {
    auto m = e.code().message();
    return m.empty() ? e.what() : m;
}
}  // namespace

std::shared_ptr<ssl::context> make_server_tls_context(const tls_settings& s) {
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                     ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
    auto use = [&](const std::string& what, const std::string& file, auto&& load) {
        try {
            load();
        } catch (const boost::system::system_error& e) {
            throw std::runtime_error("tls " + what + " " + file + ": " + reason_of(e));
        }
    };
    use("cert_file", s.cert_file, [&] { ctx->use_certificate_chain_file(s.cert_file); });
    use("key_file", s.key_file, [&] { ctx->use_private_key_file(s.key_file, ssl::context::pem); });
    if (SSL_CTX_check_private_key(ctx->native_handle()) != 1)
        throw std::runtime_error("tls key_file " + s.key_file + ": does not match the certificate in " + s.cert_file);
    if (!s.ca_file.empty()) use("ca_file", s.ca_file, [&] { ctx->load_verify_file(s.ca_file); });
    if (s.verify_client) ctx->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
    return ctx;
}

std::string_view tls_failure_reason(const boost::system::error_code& ec) {
    if (ec.category() != boost::asio::error::get_ssl_category()) return "other";
    switch (ERR_GET_REASON(static_cast<unsigned long>(ec.value()))) {
    case SSL_R_WRONG_VERSION_NUMBER:
    case SSL_R_HTTP_REQUEST:
    case SSL_R_HTTPS_PROXY_REQUEST:
    case SSL_R_UNSUPPORTED_PROTOCOL:
    case SSL_R_RECORD_LENGTH_MISMATCH:
    case SSL_R_PACKET_LENGTH_TOO_LONG:
        return "not_tls";
    case SSL_R_CERTIFICATE_VERIFY_FAILED:
    case SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE:
    case SSL_R_NO_CERTIFICATES_RETURNED:
    // The client refused ours (it trusts another CA, or the name does not match).
    case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
    case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN:
        return "certificate";
    default:
        return "other";
    }
}

}  // namespace sightline
