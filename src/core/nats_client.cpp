#include "sightline/core/nats_client.hpp"

namespace sightline {

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
