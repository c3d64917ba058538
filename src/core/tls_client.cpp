#include "sightline/core/tls_client.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <stdexcept>

#include "sightline/core/log.hpp"
#include "sightline/core/tls_settings.hpp"
#include "sightline/core/tls_stream.hpp"

namespace sightline {

namespace json = boost::json;

param_spec tls_client_param(const std::string& when) {
    return {.name = "tls",
            .type = param_type::object,
            .doc = "TLS " + when + ": {\"ca_file\" (PEM: the CA the server's certificate must chain to; "
                   "absent: the system's CAs), \"cert_file\", \"key_file\" (a client certificate, for servers "
                   "that ask), \"server_name\" (the name the certificate must carry; absent: the host), "
                   "\"verify\": true (false accepts any certificate: testing only)}."};
}

void check_tls_client(const json::object& params, const std::string& path, problems& found) {
    const auto* tls = tls_object_to_check(params, path, found, "(e.g. {\"ca_file\": \"/etc/sightline/ca.pem\"})");
    if (!tls) return;
    const auto& o = *tls;
    auto where = path_join(path, "tls");
    for (const auto& [key, value] : o) {
        if (key == "ca_file" || key == "cert_file" || key == "key_file" || key == "server_name") {
            if (!value.is_string() || value.as_string().empty())
                found.add(path_join(where, key), key == "server_name" ? "must be a host name" : "must be a file path");
        } else if (key == "verify") {
            if (!value.is_bool()) found.add(path_join(where, key), "must be true or false");
        } else {
            found.add(path_join(where, key),
                      "unknown key (expected one of: ca_file, cert_file, key_file, server_name, verify)");
        }
    }
    if (o.contains("cert_file") != o.contains("key_file"))
        found.add(path_join(where, o.contains("cert_file") ? "key_file" : "cert_file"),
                  "is missing (a client certificate needs both cert_file and key_file)");
}

std::optional<tls_client_settings> tls_client_from_params(const json::object& params) {
    const auto* v = params.if_contains("tls");
    if (!v || !v->is_object()) return std::nullopt;
    const auto& o = v->as_object();
    tls_client_settings s;
    s.ca_file = tls_text(o, "ca_file");
    s.cert_file = tls_text(o, "cert_file");
    s.key_file = tls_text(o, "key_file");
    s.server_name = tls_text(o, "server_name");
    if (const auto* b = o.if_contains("verify"); b && b->is_bool()) s.verify = b->as_bool();
    return s;
}

std::shared_ptr<const tls_client> make_tls_client(const tls_client_settings& s, const std::string& owner) {
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                     ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    auto use = [&](const std::string& what, const std::string& file, auto&& load) {
        try {
            load();
        } catch (const boost::system::system_error& e) {
            auto m = e.code().message();
            throw std::runtime_error(owner + ": tls " + what + " " + file + ": " + (m.empty() ? e.what() : m));
        }
    };
    if (!s.ca_file.empty())
        use("ca_file", s.ca_file, [&] { ctx->load_verify_file(s.ca_file); });
    else
        use("ca_file", "(the system's CAs)", [&] { ctx->set_default_verify_paths(); });
    if (!s.cert_file.empty()) {
        use("cert_file", s.cert_file, [&] { ctx->use_certificate_chain_file(s.cert_file); });
        use("key_file", s.key_file, [&] { ctx->use_private_key_file(s.key_file, ssl::context::pem); });
        if (SSL_CTX_check_private_key(ctx->native_handle()) != 1)
            throw std::runtime_error(owner + ": tls key_file " + s.key_file + ": does not match the certificate in " +
                                     s.cert_file);
    }
    ctx->set_verify_mode(s.verify ? ssl::verify_peer : ssl::verify_none);
    if (!s.verify)
        log::write(log::level::warn, "tls", "tls_verify_off",
                   {{"owner", owner}, {"note", "any server certificate is accepted: for testing only"}});
    return std::make_shared<const tls_client>(tls_client{std::move(ctx), s});
}

void expect_server_name(SSL* ssl, const std::string& host, const tls_client_settings& s) {
    const auto& name = s.server_name.empty() ? host : s.server_name;
    error_code not_ip;
    net::ip::make_address(name, not_ip);
    if (not_ip) SSL_set_tlsext_host_name(ssl, name.c_str());
    if (!s.verify) return;
    auto* param = SSL_get0_param(ssl);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (not_ip)
        X509_VERIFY_PARAM_set1_host(param, name.c_str(), name.size());
    else
        X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str());
}

std::string tls_client_error(const error_code& ec, SSL* ssl) {
    std::string text;
    if (ec == beast::error::timeout)
        text = "timed out";
    else if (const char* reason = ec.category() == net::error::get_ssl_category()
                                      ? ERR_reason_error_string(static_cast<unsigned long>(ec.value()))
                                      : nullptr)
        text = reason;  // without Asio's " (SSL routines)"
    else
        text = ec.message();
    if (ssl) {
        auto result = SSL_get_verify_result(ssl);
        if (result != X509_V_OK) text += ": " + std::string(X509_verify_cert_error_string(result));
    }
    return text;
}

}  // namespace sightline
