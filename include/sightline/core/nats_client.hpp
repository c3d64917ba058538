#pragma once
#include <nats/nats.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "sightline/core/problems.hpp"
#include "sightline/core/tls_client.hpp"

namespace sightline {

/// A NATS or JetStream failure, with nats.c's text for it.
struct nats_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// "what: <nats.c status text>[ (JetStream error N)]".
std::string nats_error_text(std::string_view what, natsStatus s, jsErrCode js = static_cast<jsErrCode>(0));

/// Checks a nats sink's or source's `servers` (nats:// or tls:// URLs, at least one)
/// and its `tls`; TLS to servers of different host names needs tls.server_name (nats.c
/// verifies one name for all).
void check_nats_servers(const boost::json::object& params, const std::string& path, problems& found);

/// The TLS of a nats sink's or source's params (a `tls` object, or tls:// URLs), or
/// nullopt for plain NATS. Its files are loaded once now, so one that cannot be used
/// stops start-up: std::runtime_error naming `owner` and the file.
std::optional<tls_client_settings> nats_tls_of(const boost::json::object& params, const std::string& owner);

/// The host of a NATS URL ("tls://user:pw@[::1]:4222" -> "::1").
std::string nats_url_host(std::string_view url);

/// One connection to NATS with a JetStream context, for the nats sink and source, over
/// nats.c (libnats-dev): the library reconnects for ever by itself, buffering publishes
/// meanwhile. Construction never blocks on the network: with the servers down it
/// returns at once and connects when one comes up (`connected()` says which). The
/// callbacks run on nats.c's threads.
class nats_client {
public:
    struct settings {
        std::vector<std::string> servers;
        std::string name;  // shown by the server (`nats server report connections`)
        std::chrono::milliseconds reconnect_wait{250};
        std::chrono::milliseconds request_timeout{5000};  // JetStream API calls
        /// Most asynchronous publishes nats.c keeps unacknowledged (the sink's window is smaller).
        std::int64_t max_pending_publishes = 4096;
        std::function<void(bool connected)> on_connection;
        /// Every asynchronous publish's outcome: `ack` or `error` is set.
        std::function<void(natsMsg* msg, jsPubAck* ack, jsPubAckErr* error)> on_publish;
        /// TLS to the servers (also when a URL is tls://); nats.c verifies the server's
        /// certificate against ca_file (or the system's CAs) and server_name.
        std::optional<tls_client_settings> tls;
    };

    /// Throws nats_error when the settings are unusable (a malformed URL).
    explicit nats_client(settings s);
    ~nats_client();
    nats_client(const nats_client&) = delete;
    nats_client& operator=(const nats_client&) = delete;

    bool connected() const { return connected_.load(std::memory_order_relaxed); }
    natsConnection* connection() const { return conn_; }
    jsCtx* jetstream() const { return js_; }
    const std::string& servers_text() const { return servers_text_; }

    /// Blocks until `stop` is set or `timeout` passed; true when connected. For threads
    /// of a sink or source that need the connection before they can do anything.
    bool wait_connected(const std::atomic<bool>& stop, std::chrono::milliseconds timeout);

private:
    static void connected_cb(natsConnection*, void* self);
    static void disconnected_cb(natsConnection*, void* self);
    static void closed_cb(natsConnection*, void* self);
    static void publish_cb(jsCtx*, natsMsg* msg, jsPubAck* pa, jsPubAckErr* pae, void* self);
    void set_connected(bool up);

    settings settings_;
    std::string servers_text_;
    natsOptions* opts_ = nullptr;
    natsConnection* conn_ = nullptr;
    jsCtx* js_ = nullptr;
    std::atomic<bool> connected_{false};
    std::mutex mutex_;
    std::condition_variable changed_;
    bool closed_ = false;
};

}  // namespace sightline
