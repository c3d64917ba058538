#pragma once
#include <boost/json/object.hpp>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sightline/core/log.hpp"
#include "sightline/core/tls_settings.hpp"

namespace sightline {

/// The TLS side of something that listens (a tcp source, the HTTP server; README
/// "TLS"): the credentials it serves now, read again on SIGHUP, and what its
/// handshakes did. Thread-safe.
class tls_credentials {
public:
    /// Loads the files. `owner` names the listener in logs and errors, e.g.
    /// {"source", "tls_in"}; `component` is the log channel. Throws std::runtime_error
    /// naming the owner and the file that cannot be used.
    tls_credentials(tls_settings settings, std::pair<std::string, std::string> owner, std::string component);

    const tls_settings& settings() const { return settings_; }
    /// The context new connections use (kept alive by each connection that has it).
    std::shared_ptr<ssl::context> current() const;
    /// Reads the files again: new connections get them; a failure keeps the old ones.
    /// Counted and logged either way.
    void reload();

    void handshake_succeeded() { handshakes_.fetch_add(1, std::memory_order_relaxed); }
    /// Counts a failed handshake by `reason` (tls_failure_reason, or "timeout") and
    /// logs it, at most 10 records per 10 s.
    void handshake_failed(std::string_view reason, const std::string& peer, const std::string& detail);

    /// tls_handshakes, tls_handshake_failures_{not_tls,certificate,timeout,other},
    /// tls_reloads, tls_reload_failures.
    std::vector<std::pair<std::string, std::uint64_t>> figures() const;

private:
    boost::json::object log_fields() const;

    tls_settings settings_;
    std::pair<std::string, std::string> owner_;
    std::string component_;
    mutable std::mutex mutex_;
    std::shared_ptr<ssl::context> context_;  // guarded by mutex_
    std::atomic<std::uint64_t> handshakes_{0}, failed_not_tls_{0}, failed_certificate_{0}, failed_timeout_{0},
        failed_other_{0}, reloads_{0}, reload_failures_{0};
    log::rate_limiter failure_log_{std::chrono::seconds(10), 10};
};

}  // namespace sightline
