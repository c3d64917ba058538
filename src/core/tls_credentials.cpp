#include "sightline/core/tls_credentials.hpp"

#include <stdexcept>

#include "sightline/core/tls_stream.hpp"

namespace sightline {

tls_credentials::tls_credentials(tls_settings settings, std::pair<std::string, std::string> owner, std::string component)
    : settings_(std::move(settings)), owner_(std::move(owner)), component_(std::move(component)) {
    try {
        context_ = make_server_tls_context(settings_);
    } catch (const std::exception& e) {
        throw std::runtime_error(owner_.first + " " + owner_.second + ": " + e.what());
    }
}

std::shared_ptr<ssl::context> tls_credentials::current() const {
    std::lock_guard lock(mutex_);
    return context_;
}

boost::json::object tls_credentials::log_fields() const { return {{owner_.first, owner_.second}}; }

void tls_credentials::reload() {
    try {
        auto fresh = make_server_tls_context(settings_);
        {
            std::lock_guard lock(mutex_);
            context_ = std::move(fresh);
        }
        ++reloads_;
        auto fields = log_fields();
        fields["cert_file"] = settings_.cert_file;
        log::write(log::level::info, component_, "tls_reloaded", std::move(fields));
    } catch (const std::exception& e) {
        ++reload_failures_;
        auto fields = log_fields();
        fields["error"] = e.what();
        fields["note"] = "the previous certificate stays in use";
        log::write(log::level::error, component_, "tls_reload_failed", std::move(fields));
    }
}

void tls_credentials::handshake_failed(std::string_view reason, const std::string& peer, const std::string& detail) {
    (reason == "not_tls"       ? failed_not_tls_
     : reason == "certificate" ? failed_certificate_
     : reason == "timeout"     ? failed_timeout_
                               : failed_other_)
        .fetch_add(1, std::memory_order_relaxed);
    auto fields = log_fields();
    fields["peer"] = peer;
    fields["reason"] = reason;
    fields["error"] = detail;
    log::write_limited(failure_log_, log::level::warn, component_, "tls_handshake_failed", std::move(fields));
}

std::vector<std::pair<std::string, std::uint64_t>> tls_credentials::figures() const {
    return {{"tls_handshakes", handshakes_.load()},
            {"tls_handshake_failures_not_tls", failed_not_tls_.load()},
            {"tls_handshake_failures_certificate", failed_certificate_.load()},
            {"tls_handshake_failures_timeout", failed_timeout_.load()},
            {"tls_handshake_failures_other", failed_other_.load()},
            {"tls_reloads", reloads_.load()},
            {"tls_reload_failures", reload_failures_.load()}};
}

}  // namespace sightline
