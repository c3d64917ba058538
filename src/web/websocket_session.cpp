#include "sightline/web/websocket_session.hpp"

#include <boost/json/serialize.hpp>

#include "sightline/core/log.hpp"
#include "sightline/core/log_exit.hpp"
#include "sightline/observe/push_frames.hpp"
#include "sightline/web/client_message.hpp"
#include "sightline/web/broadcaster.hpp"

namespace sightline {

websocket_session::websocket_session(beast::tcp_stream stream, std::function<std::string()> make_hello,
                                     std::chrono::milliseconds max_behind, std::shared_ptr<void> slot)
    : ws_(std::move(stream)),
      make_hello_(std::move(make_hello)),
      queue_(max_queued_frames, max_behind),
      wake_(ws_.get_executor()),
      room_(ws_.get_executor()),
      slot_(std::move(slot)) {}

void websocket_session::start(http_request req, broadcaster& hub) {
    net::co_spawn(ws_.get_executor(), [self = shared_from_this(), req = std::move(req), hub = &hub]() mutable {
        return self->run(std::move(req), hub);
    }, log_exit("web.ws", "session"));
}

void websocket_session::send(std::shared_ptr<const std::string> frame, bool droppable) {
    net::post(ws_.get_executor(), [self = shared_from_this(), frame = std::move(frame), droppable]() mutable {
        self->enqueue(std::move(frame), droppable);
    });
}

void websocket_session::send_traces(std::shared_ptr<const std::vector<trace_ptr>> traces,
                                    std::shared_ptr<const std::string> frame, std::uint64_t seq) {
    net::post(ws_.get_executor(), [self = shared_from_this(), traces = std::move(traces), frame = std::move(frame),
                                   seq]() mutable {
        if (!self->filter_) {
            self->enqueue(std::move(frame), true);
            return;
        }
        auto own = trace_frame(seq, *traces, &*self->filter_);
        if (!own.empty()) self->enqueue(std::make_shared<const std::string>(std::move(own)), true);
    });
}

void websocket_session::on_message(std::string_view text) {
    auto msg = parse_client_message(text);
    boost::json::object reply;
    if (auto* sub = std::get_if<subscribe_request>(&msg)) {
        const auto& f = sub->filter;
        if (f.stage.empty() && f.status.empty() && f.outcome.empty() && f.text.empty())
            filter_.reset();
        else
            filter_ = f;
        reply = {{"type", "subscribed"},
                 {"filter", {{"stage", f.stage}, {"status", f.status}, {"outcome", f.outcome}, {"text", f.text}}}};
    } else if (std::holds_alternative<ping_request>(msg)) {
        reply = {{"type", "pong"}};
    } else {
        reply = {{"type", "invalid"}, {"error", std::get<invalid_message>(msg).error}};
    }
    enqueue(std::make_shared<const std::string>(boost::json::serialize(reply)), false);
}

void websocket_session::enqueue(std::shared_ptr<const std::string> frame, bool droppable) {
    if (closed_) return;
    auto dropped_before = queue_.dropped();
    auto result = queue_.push(std::move(frame), droppable, std::chrono::steady_clock::now());
    if (hub_ && queue_.dropped() > dropped_before) hub_->count_dropped_frames(queue_.dropped() - dropped_before);
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

net::awaitable<void> websocket_session::write_loop() {
    auto self = shared_from_this();
    while (!closed_) {
        if (queue_.empty()) {
            wake_.expires_at(net::steady_timer::time_point::max());
            co_await wake_.async_wait(use_aw_ec);
            continue;
        }
        auto frame = queue_.take(std::chrono::steady_clock::now());
        room_.cancel();
        ws_.text(true);
        auto [ec, n] = co_await ws_.async_write(net::buffer(*frame), use_aw_ec);
        if (ec) break;
        queue_.written(std::chrono::steady_clock::now());
    }
    closed_ = true;
    room_.cancel();
}

net::awaitable<void> websocket_session::run(http_request req, broadcaster* hub) {
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
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
    hub->add(shared_from_this());
    enqueue(std::make_shared<const std::string>(make_hello_()), false);
    make_hello_ = nullptr;  // it holds the server
    net::co_spawn(ws_.get_executor(), [self = shared_from_this()] { return self->write_loop(); }, net::detached);
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

}  // namespace sightline
