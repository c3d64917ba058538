#include "sightline/web/websocket_session.hpp"

#include <boost/json/serialize.hpp>

#include "sightline/core/log.hpp"
#include "sightline/core/log_exit.hpp"
#include "sightline/observe/push_frames.hpp"
#include "sightline/web/client_message.hpp"
#include "sightline/web/broadcaster.hpp"

namespace sightline {

template <class Stream>
websocket_session<Stream>::websocket_session(Stream stream, std::function<std::string()> make_hello,
                                     std::chrono::milliseconds max_behind, std::shared_ptr<void> slot)
    : ws_(std::move(stream)),
      make_hello_(std::move(make_hello)),
      queue_(max_queued_frames, max_behind),
      wake_(ws_.get_executor()),
      room_(ws_.get_executor()),
      slot_(std::move(slot)) {}

template <class Stream>
websocket_session<Stream>::~websocket_session() {
    if (total_bytes_) total_bytes_->fetch_sub(counted_bytes_);
}

template <class Stream>
void websocket_session<Stream>::start(http_request req, broadcaster& hub) {
    net::co_spawn(ws_.get_executor(), [self = this->shared_from_this(), req = std::move(req), hub = &hub]() mutable {
        return self->run(std::move(req), hub);
    }, log_exit("web.ws", "session"));
}

template <class Stream>
void websocket_session<Stream>::send(std::shared_ptr<const std::string> frame, frame_kind kind) {
    net::post(ws_.get_executor(), [self = this->shared_from_this(), frame = std::move(frame), kind]() mutable {
        self->enqueue(std::move(frame), kind);
    });
}

template <class Stream>
std::shared_ptr<const trace_filter> websocket_session<Stream>::filter() const {
    std::lock_guard lock(filter_mutex_);
    return filter_;
}

template <class Stream>
void websocket_session<Stream>::on_message(std::string_view text) {
    auto msg = parse_client_message(text);
    boost::json::object reply;
    if (auto* sub = std::get_if<subscribe_request>(&msg)) {
        const auto& f = sub->filter;
        std::shared_ptr<const trace_filter> next;
        if (!(f.stage.empty() && f.status.empty() && f.outcome.empty() && f.text.empty()))
            next = std::make_shared<const trace_filter>(f);
        {
            std::lock_guard lock(filter_mutex_);
            filter_ = std::move(next);
        }
        reply = {{"type", "subscribed"},
                 {"filter", {{"stage", f.stage}, {"status", f.status}, {"outcome", f.outcome}, {"text", f.text}}}};
    } else if (std::holds_alternative<ping_request>(msg)) {
        reply = {{"type", "pong"}};
    } else {
        reply = {{"type", "invalid"}, {"error", std::get<invalid_message>(msg).error}};
    }
    enqueue(std::make_shared<const std::string>(boost::json::serialize(reply)), frame_kind::control);
}

template <class Stream>
void websocket_session<Stream>::enqueue(std::shared_ptr<const std::string> frame, frame_kind kind) {
    if (closed_) return;
    auto traces_before = queue_.dropped(frame_kind::trace), errors_before = queue_.dropped(frame_kind::error);
    auto stats_before = queue_.dropped(frame_kind::stats), control_before = queue_.dropped(frame_kind::control);
    auto now = std::chrono::steady_clock::now();
    // Every client together holds the most they may: a client already behind (a backlog
    // of behind_bytes or more) takes no droppable frame that would grow its queue; one
    // that keeps up still gets everything. (A full queue still goes through push: it
    // only replaces.) Either way a client that stopped reading is closed.
    bool refused = kind != frame_kind::control && total_bytes_ && !queue_.full() && queue_.bytes() >= behind_bytes &&
                   total_bytes_->load() + static_cast<std::int64_t>(frame->size()) >
                       static_cast<std::int64_t>(broadcaster::max_total_bytes);
    auto result = refused ? queue_.refuse(kind, now) : queue_.push(std::move(frame), kind, now);
    auto lost_traces = queue_.dropped(frame_kind::trace) - traces_before;
    auto lost_errors = queue_.dropped(frame_kind::error) - errors_before;
    gap_traces_ += lost_traces;
    gap_errors_ += lost_errors;
    if (hub_) {
        hub_->count_dropped_frames(frame_kind::trace, lost_traces);
        hub_->count_dropped_frames(frame_kind::error, lost_errors);
        hub_->count_dropped_frames(frame_kind::stats, queue_.dropped(frame_kind::stats) - stats_before);
        hub_->count_dropped_frames(frame_kind::control, queue_.dropped(frame_kind::control) - control_before);
    }
    sync_bytes();
    switch (result) {
    case frame_queue::push_result::queued:
    case frame_queue::push_result::replaced:
    case frame_queue::push_result::dropped: break;
    case frame_queue::push_result::close:
        // It took no frame for max_behind: let it go rather than grow.
        log::write(log::level::info, "web.ws", "slow_client_closed", {{"dropped_frames", queue_.dropped()}});
        if (hub_) hub_->count_slow_client_closed();
        closed_ = true;
        beast::get_lowest_layer(ws_).close();
        room_.cancel();
        break;
    }
    wake_.cancel();
}

template <class Stream>
void websocket_session<Stream>::sync_bytes() {
    if (!total_bytes_) return;
    auto now = static_cast<std::int64_t>(queue_.bytes());
    total_bytes_->fetch_add(now - counted_bytes_);
    counted_bytes_ = now;
}

template <class Stream>
void websocket_session<Stream>::report_gap() {
    if ((gap_traces_ == 0 && gap_errors_ == 0) || queue_.full()) return;
    boost::json::object gap{{"type", "gap"}, {"dropped", {{"trace", gap_traces_}, {"error", gap_errors_}}}};
    gap_traces_ = gap_errors_ = 0;
    enqueue(std::make_shared<const std::string>(boost::json::serialize(gap)), frame_kind::control);
}

template <class Stream>
net::awaitable<void> websocket_session<Stream>::write_loop() {
    auto self = this->shared_from_this();
    while (!closed_) {
        if (queue_.empty()) {
            wake_.expires_at(net::steady_timer::time_point::max());
            co_await wake_.async_wait(use_aw_ec);
            continue;
        }
        auto frame = queue_.take(std::chrono::steady_clock::now());
        sync_bytes();
        room_.cancel();
        ws_.text(true);
        auto [ec, n] = co_await ws_.async_write(net::buffer(*frame), use_aw_ec);
        if (ec) break;
        queue_.written(std::chrono::steady_clock::now());
        report_gap();  // the client is reading again: tell it what it missed
    }
    closed_ = true;
    room_.cancel();
}

template <class Stream>
net::awaitable<void> websocket_session<Stream>::run(http_request req, broadcaster* hub) {
    // Beast's server defaults close a client that sent nothing for 300 s, and send no
    // pings: a dashboard that only listens was cut every five minutes. With keep-alive
    // pings a quiet client is pinged after 150 s and stays while it answers (browsers
    // answer pings by themselves); one that answers nothing is closed at 300 s.
    auto timeouts = websocket::stream_base::timeout::suggested(beast::role_type::server);
    timeouts.keep_alive_pings = true;
    ws_.set_option(timeouts);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "sightline"); }));
    ws_.read_message_max(max_message_bytes);
    ws_.auto_fragment(false);  // one frame per message: clients parse less
    // A modest kernel send buffer makes a client that stops reading visible here within
    // seconds (its frames back up into our bounded queue) instead of after megabytes.
    error_code ignored;
    beast::get_lowest_layer(ws_).socket().set_option(net::socket_base::send_buffer_size(64 * 1024), ignored);
    beast::get_lowest_layer(ws_).expires_never();
    auto [ec] = co_await ws_.async_accept(req, use_aw_ec);
    if (ec) co_return;
    // Joined first, then the hello: a tick between the two is in both, and the client
    // tells by `seq`; the other order could lose that tick's traces and errors.
    hub_ = hub;
    total_bytes_ = hub->queued_bytes_counter();
    hub->add(this->shared_from_this());
    enqueue(std::make_shared<const std::string>(make_hello_()), frame_kind::control);
    make_hello_ = nullptr;  // it holds the server
    net::co_spawn(ws_.get_executor(), [self = this->shared_from_this()] { return self->write_loop(); }, net::detached);
    beast::flat_buffer buffer;
    for (;;) {
        // Every message may need a reply that cannot be dropped (a pong): with the queue
        // full, read nothing more until it has room (a flooder is then held back by TCP
        // flow control, and closed if it stays behind, instead of growing the queue).
        while (!closed_ && queue_.full()) {
            room_.expires_at(net::steady_timer::time_point::max());
            co_await room_.async_wait(use_aw_ec);
        }
        if (closed_) break;
        auto [rec, n] = co_await ws_.async_read(buffer, use_aw_ec);
        if (rec) break;  // closed, timed out, or a message over the limit
        on_message(std::string_view(static_cast<const char*>(buffer.data().data()), buffer.size()));
        buffer.consume(buffer.size());
    }
    closed_ = true;
    wake_.cancel();
    if (queue_.dropped())
        log::write(log::level::debug, "web.ws", "client_dropped_frames", {{"frames", queue_.dropped()}});
}

template class websocket_session<beast::tcp_stream>;
template class websocket_session<tls_stream>;

}  // namespace sightline
