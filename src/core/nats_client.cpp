#include "sightline/core/nats_client.hpp"

#include <algorithm>
#include <boost/json/value_to.hpp>
#include <filesystem>

namespace sightline {

namespace {
bool any_tls_url(const std::vector<std::string>& servers) {
    return std::any_of(servers.begin(), servers.end(), [](const auto& u) { return u.rfind("tls://", 0) == 0; });
}

std::vector<std::string> servers_of(const boost::json::object& params) {
    std::vector<std::string> out;
    for (const auto& s : params.at("servers").as_array()) out.push_back(boost::json::value_to<std::string>(s));
    return out;
}

/// The one host name all `servers` share, or "" when they differ.
std::string common_host(const std::vector<std::string>& servers) {
    std::string host;
    for (const auto& url : servers) {
        auto h = nats_url_host(url);
        if (!host.empty() && h != host) return "";
        host = h;
    }
    return host;
}
}  // namespace

std::string nats_url_host(std::string_view url) {
    if (auto scheme = url.find("://"); scheme != std::string_view::npos) url.remove_prefix(scheme + 3);
    url = url.substr(0, url.find('/'));
    if (auto at = url.rfind('@'); at != std::string_view::npos) url.remove_prefix(at + 1);
    if (!url.empty() && url.front() == '[') return std::string(url.substr(1, url.find(']') - 1));
    return std::string(url.substr(0, url.rfind(':')));
}

void check_nats_servers(const boost::json::object& params, const std::string& path, problems& found) {
    auto servers = servers_of(params);
    if (servers.empty()) found.add(path_join(path, "servers"), "needs at least one URL");
    for (std::size_t k = 0; k < servers.size(); ++k)
        if (servers[k].rfind("nats://", 0) != 0 && servers[k].rfind("tls://", 0) != 0)
            found.add(path_join(path, "servers") + "[" + std::to_string(k) + "]", "expected nats://host:port or tls://host:port");
    check_tls_client(params, path, found);
    auto tls = tls_client_from_params(params);
    if ((tls || any_tls_url(servers)) && (!tls || tls->server_name.empty()) && !servers.empty() &&
        common_host(servers).empty())
        found.add(path_join(path, "tls"),
                  "servers of different host names need tls.server_name, the name their certificates carry "
                  "(nats.c verifies one name for all)");
}

std::optional<tls_client_settings> nats_tls_of(const boost::json::object& params, const std::string& owner) {
    auto tls = tls_client_from_params(params);
    if (!tls && any_tls_url(servers_of(params))) tls = tls_client_settings{};
    if (tls) make_tls_client(*tls, owner);  // the files, checked (nats.c loads them again itself)
    return tls;
}

std::string nats_error_text(std::string_view what, natsStatus s, jsErrCode js) {
    std::string text = std::string(what) + ": " + natsStatus_GetText(s);
    if (js != 0) text += " (JetStream error " + std::to_string(static_cast<int>(js)) + ")";
    return text;
}

nats_client::nats_client(settings s) : settings_(std::move(s)) {
    for (const auto& url : settings_.servers) servers_text_ += (servers_text_.empty() ? "" : ",") + url;
    std::vector<const char*> urls;
    for (const auto& url : settings_.servers) urls.push_back(url.c_str());
    auto check = [&](natsStatus st, std::string_view what) {
        if (st != NATS_OK) {
            natsOptions_Destroy(opts_);
            opts_ = nullptr;
            throw nats_error(nats_error_text(what, st));
        }
    };
    check(natsOptions_Create(&opts_), "nats options");
    check(natsOptions_SetServers(opts_, urls.data(), static_cast<int>(urls.size())), "servers " + servers_text_);
    check(natsOptions_SetName(opts_, settings_.name.c_str()), "name");
    if (settings_.tls || any_tls_url(settings_.servers)) {
        auto t = settings_.tls.value_or(tls_client_settings{});
        // nats.c checks the certificate's name only when told one: the name given, or
        // the host every server URL shares (the check refuses configs with neither).
        if (t.server_name.empty()) t.server_name = common_host(settings_.servers);
        check(natsOptions_SetSecure(opts_, true), "tls");
        // nats.c trusts no CA by itself: the system's bundle unless a ca_file is given.
        std::string ca = t.ca_file.empty() ? "/etc/ssl/certs/ca-certificates.crt" : t.ca_file;
        if (!t.ca_file.empty() || std::filesystem::exists(ca))
            check(natsOptions_LoadCATrustedCertificates(opts_, ca.c_str()), "tls ca_file " + ca);
        if (!t.cert_file.empty())
            check(natsOptions_LoadCertificatesChain(opts_, t.cert_file.c_str(), t.key_file.c_str()),
                  "tls cert_file " + t.cert_file + " and key_file " + t.key_file);
        if (!t.server_name.empty()) check(natsOptions_SetExpectedHostname(opts_, t.server_name.c_str()), "tls server_name");
        if (!t.verify) check(natsOptions_SkipServerVerification(opts_, true), "tls verify");
    }
    check(natsOptions_SetMaxReconnect(opts_, -1), "max reconnect");  // for ever
    check(natsOptions_SetReconnectWait(opts_, settings_.reconnect_wait.count()), "reconnect wait");
    check(natsOptions_SetTimeout(opts_, 2000), "connect timeout");
    check(natsOptions_SetReconnectBufSize(opts_, 64 * 1024 * 1024), "reconnect buffer");
    check(natsOptions_SetDisconnectedCB(opts_, &nats_client::disconnected_cb, this), "disconnected callback");
    check(natsOptions_SetReconnectedCB(opts_, &nats_client::connected_cb, this), "reconnected callback");
    check(natsOptions_SetClosedCB(opts_, &nats_client::closed_cb, this), "closed callback");
    // Servers down at start: connect in the background, as after a disconnection.
    check(natsOptions_SetRetryOnFailedConnect(opts_, true, &nats_client::connected_cb, this), "retry on failed connect");
    auto st = natsConnection_Connect(&conn_, opts_);
    if (st == NATS_OK)
        set_connected(true);
    else if (st != NATS_NOT_YET_CONNECTED)
        check(st, "connect to " + servers_text_);
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.Wait = settings_.request_timeout.count();
    jo.PublishAsync.MaxPending = settings_.max_pending_publishes;
    if (settings_.on_publish) {
        jo.PublishAsync.AckHandler = &nats_client::publish_cb;
        jo.PublishAsync.AckHandlerClosure = this;
    }
    st = natsConnection_JetStream(&js_, conn_, &jo);
    if (st != NATS_OK) {
        natsConnection_Destroy(conn_);
        check(st, "JetStream context");
    }
}

nats_client::~nats_client() {
    if (conn_) {
        natsConnection_Close(conn_);
        // Callbacks hold `this`: wait until nats.c reported the close before freeing.
        std::unique_lock lock(mutex_);
        changed_.wait_for(lock, std::chrono::seconds(5), [&] { return closed_; });
    }
    if (js_) jsCtx_Destroy(js_);
    if (conn_) natsConnection_Destroy(conn_);
    natsOptions_Destroy(opts_);
}

bool nats_client::wait_connected(const std::atomic<bool>& stop, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, timeout, [&] { return connected() || stop.load() || closed_; });
    return connected();
}

void nats_client::set_connected(bool up) {
    {
        // Notified under the lock: the destructor may free changed_ as soon as it can
        // take the lock after the close.
        std::lock_guard lock(mutex_);
        connected_.store(up, std::memory_order_relaxed);
        changed_.notify_all();
    }
    if (settings_.on_connection) settings_.on_connection(up);
}

void nats_client::connected_cb(natsConnection*, void* self) { static_cast<nats_client*>(self)->set_connected(true); }

void nats_client::disconnected_cb(natsConnection*, void* self) { static_cast<nats_client*>(self)->set_connected(false); }

void nats_client::closed_cb(natsConnection*, void* self) {
    auto* c = static_cast<nats_client*>(self);
    std::lock_guard lock(c->mutex_);
    c->closed_ = true;
    c->connected_.store(false, std::memory_order_relaxed);
    c->changed_.notify_all();
}

void nats_client::publish_cb(jsCtx*, natsMsg* msg, jsPubAck* pa, jsPubAckErr* pae, void* self) {
    static_cast<nats_client*>(self)->settings_.on_publish(msg, pa, pae);
    natsMsg_Destroy(msg);  // ours once the handler ran (nats.c's contract)
}

}  // namespace sightline
