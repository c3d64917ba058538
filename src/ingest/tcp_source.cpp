#include "sightline/ingest/tcp_source.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <sstream>
#include <stdexcept>

#include "sightline/ingest/source_descriptor.hpp"

#include "sightline/core/listen_socket.hpp"
#include "sightline/core/log.hpp"
#include "sightline/core/log_exit.hpp"
#include "sightline/core/tls_stream.hpp"
#include "sightline/ingest/line_splitter.hpp"

namespace sightline {

using namespace net::experimental::awaitable_operators;

tcp_source::tcp_source(net::io_context& ioc, std::string id, tcp_source_config cfg)
    : source(std::move(id), "tcp"), ioc_(ioc), strand_(net::make_strand(ioc)), cfg_(cfg), acceptor_(strand_) {
    // Credentials first: a certificate that cannot be used fails start-up before the port is taken.
    if (cfg_.tls) tls_ = std::make_unique<tls_credentials>(*cfg_.tls, std::pair{std::string("source"), this->id()}, "ingest.tcp");
    open_listener(acceptor_, cfg_.listen, "source " + this->id() + ": cannot listen on tcp");
    local_ = acceptor_.local_endpoint();
}

void tcp_source::add_stats(source_stats& s) const {
    s.bad_frames = metrics.bad_frames.get();
    if (tls_) s.figures = tls_->figures();
}

void tcp_source::reload_tls() {
    if (tls_) tls_->reload();
}

void tcp_source::start(std::function<void()> on_done) {
    on_done_ = std::move(on_done);
    net::co_spawn(strand_, [self = shared_from_this()] { return self->accept_loop(); }, log_exit("ingest.tcp", id()));
    log::write(log::level::info, "ingest.tcp", "listening", {{"source", id()}, {"address", to_string(local_)}});
}

void tcp_source::stop() {
    if (stopping_.exchange(true)) return;
    net::post(strand_, [self = shared_from_this()] {
        // Connections the kernel already completed are in the backlog: their peers may
        // have sent everything and closed. Take them all before closing the listener,
        // so their lines are read too.
        error_code ec;
        self->acceptor_.non_blocking(true, ec);
        while (!ec) {
            auto socket = std::make_shared<tcp::socket>(net::make_strand(self->ioc_));
            self->acceptor_.accept(*socket, ec);
            if (!ec) self->admit(std::move(socket));
        }
        self->acceptor_.close(ec);
    });
    net::co_spawn(strand_, [self = shared_from_this()] { return self->shutdown_deadline(); },
                  log_exit("ingest.tcp", id()));
}

net::awaitable<void> tcp_source::shutdown_deadline() {
    net::steady_timer timer(strand_);
    timer.expires_after(cfg_.shutdown_timeout);
    co_await timer.async_wait(use_aw_ec);
    // Peers that are still connected had their time: close them; what they sent is kept.
    std::lock_guard lock(mutex_);
    for (auto& w : open_)
        if (auto s = w.lock()) net::post(s->get_executor(), [s] {
                error_code ignored;
                s->shutdown(tcp::socket::shutdown_both, ignored);
                s->close(ignored);
            });
}

net::awaitable<void> tcp_source::accept_loop() {
    for (;;) {
        auto socket = std::make_shared<tcp::socket>(net::make_strand(ioc_));
        auto [ec] = co_await acceptor_.async_accept(*socket, use_aw_ec);
        if (ec) {
            if (stopping_ || ec == net::error::operation_aborted || !acceptor_.is_open()) break;
            // EMFILE and friends: log and keep accepting after a short pause.
            log::write(log::level::warn, "ingest.tcp", "accept_failed", {{"source", id()}, {"error", ec.message()}});
            net::steady_timer pause(strand_, std::chrono::milliseconds(50));
            co_await pause.async_wait(use_aw_ec);
            continue;
        }
        admit(std::move(socket));
    }
    {
        std::lock_guard lock(mutex_);
        accepting_ = false;
    }
    maybe_finish();
}

void tcp_source::admit(std::shared_ptr<tcp::socket> socket) {
    {
        std::lock_guard lock(mutex_);
        if (active_ >= cfg_.max_connections) {
            metrics.connections_refused.add();
            error_code ignored;
            socket->close(ignored);
            return;
        }
        ++active_;
        open_.remove_if([](const auto& w) { return w.expired(); });
        open_.push_back(socket);
    }
    metrics.connections_accepted.add();
    auto ex = socket->get_executor();
    net::co_spawn(ex, [self = shared_from_this(), socket = std::move(socket)] { return self->serve(socket); },
                  log_exit("ingest.tcp", id()));
}

namespace {
/// One read buffer per thread, shared by every connection that thread serves: a
/// connection waits for readiness without a buffer and reads only when bytes are there,
/// so 10 000 idle peers cost no read buffers (they cost read_buffer_bytes each before).
std::string& thread_read_buffer(std::size_t bytes) {
    thread_local std::string buffer;
    if (buffer.size() < bytes) buffer.resize(bytes);
    return buffer;
}
}  // namespace

net::awaitable<void> tcp_source::take(frame_splitter& splitter, std::string_view bytes) {
    line_batch batch;
    auto truncated_before = splitter.truncated();
    auto bad_before = splitter.bad_frames();
    splitter.feed(bytes, batch);  // copies the bytes: the caller's buffer is free from here
    metrics.bytes.add(bytes.size());
    metrics.truncated.add(splitter.truncated() - truncated_before);
    metrics.bad_frames.add(splitter.bad_frames() - bad_before);
    if (!batch.empty()) {
        metrics.lines.add(batch.size());
        co_await deliver(std::move(batch));
    }
}

net::awaitable<void> tcp_source::read_plain(tcp::socket& socket, frame_splitter& splitter) {
    std::unique_ptr<net::steady_timer> idle;
    if (cfg_.idle_timeout.count() > 0) idle = std::make_unique<net::steady_timer>(socket.get_executor());
    error_code ec;
    socket.non_blocking(true, ec);
    while (!ec) {
        if (idle) {
            idle->expires_after(cfg_.idle_timeout);
            auto result = co_await (socket.async_wait(tcp::socket::wait_read, use_aw_ec) || idle->async_wait(use_aw_ec));
            if (result.index() == 1) break;  // idle for too long
            std::tie(ec) = std::get<0>(result);
        } else {
            std::tie(ec) = co_await socket.async_wait(tcp::socket::wait_read, use_aw_ec);
        }
        if (ec) break;
        // Read and split with no suspension in between: the buffer is this thread's.
        std::string& buffer = thread_read_buffer(cfg_.read_buffer_bytes);
        std::size_t n = socket.read_some(net::buffer(buffer.data(), cfg_.read_buffer_bytes), ec);
        if (ec == net::error::would_block || ec == net::error::try_again) {
            ec = {};
            continue;  // a spurious wake-up
        }
        if (n > 0) co_await take(splitter, std::string_view(buffer.data(), n));
    }
    if (ec && !is_benign(ec))
        log::write(log::level::debug, "ingest.tcp", "read_failed", {{"source", id()}, {"error", ec.message()}});
}

net::awaitable<void> tcp_source::read_tls(tcp::socket& socket, std::shared_ptr<ssl::context> ctx, frame_splitter& splitter) {
    ssl::stream<tcp::socket&> stream(socket, *ctx);
    net::steady_timer timer(socket.get_executor());
    timer.expires_after(cfg_.tls->handshake_timeout);
    // A client that connects and says nothing (or speaks slowly) must not hold the
    // connection: the handshake has a deadline.
    auto timed_out = [&] {
        tls_->handshake_failed("timeout", peer_of(socket),
                               "no handshake within " + std::to_string(cfg_.tls->handshake_timeout.count()) + " ms");
    };
    auto readable = co_await (socket.async_wait(tcp::socket::wait_read, use_aw_ec) || timer.async_wait(use_aw_ec));
    if (readable.index() == 1) {
        timed_out();
        co_return;
    }
    // A peer that closes without a byte (a port probe, a load balancer's check) tried no
    // handshake: nothing to count or log.
    error_code closed;
    if (socket.available(closed) == 0) co_return;
    auto handshake = stream.async_handshake(ssl::stream_base::server, use_aw_ec);
    auto deadline = timer.async_wait(use_aw_ec);
    auto shaken = co_await (std::move(handshake) || std::move(deadline));
    if (shaken.index() == 1) {
        timed_out();
        co_return;
    }
    if (auto [ec] = std::get<0>(shaken); ec) {
        tls_->handshake_failed(tls_failure_reason(ec), peer_of(socket), ec.message());
        co_return;
    }
    tls_->handshake_succeeded();
    std::string buffer(16 * 1024 + 512, '\0');  // one TLS record at a time
    error_code ec;
    while (!ec) {
        std::size_t n = 0;
        if (cfg_.idle_timeout.count() > 0) {
            timer.expires_after(cfg_.idle_timeout);
            auto result = co_await (stream.async_read_some(net::buffer(buffer), use_aw_ec) || timer.async_wait(use_aw_ec));
            if (result.index() == 1) break;
            std::tie(ec, n) = std::get<0>(result);
        } else {
            std::tie(ec, n) = co_await stream.async_read_some(net::buffer(buffer), use_aw_ec);
        }
        if (n > 0) co_await take(splitter, std::string_view(buffer.data(), n));
    }
    // A peer that closes without close_notify ends the stream all the same (its lines are kept).
    if (ec && !is_benign(ec) && ec != net::ssl::error::stream_truncated)
        log::write(log::level::debug, "ingest.tcp", "read_failed", {{"source", id()}, {"error", ec.message()}});
}

net::awaitable<void> tcp_source::serve(std::shared_ptr<tcp::socket> socket) {
    frame_splitter splitter(cfg_.framing, cfg_.max_line_bytes);
    auto tls = tls_ ? tls_->current() : nullptr;
    if (tls)
        co_await read_tls(*socket, std::move(tls), splitter);
    else
        co_await read_plain(*socket, splitter);
    // A peer that leaves mid-line still had that line accepted.
    line_batch last;
    auto truncated_before = splitter.truncated();
    auto bad_before = splitter.bad_frames();
    splitter.finish(last);
    metrics.truncated.add(splitter.truncated() - truncated_before);
    metrics.bad_frames.add(splitter.bad_frames() - bad_before);
    if (!last.empty()) {
        metrics.lines.add(last.size());
        co_await deliver(std::move(last));
    }
    error_code ignored;
    socket->close(ignored);
    metrics.connections_closed.add();
    {
        std::lock_guard lock(mutex_);
        --active_;
    }
    maybe_finish();
}

void tcp_source::maybe_finish() {
    {
        std::lock_guard lock(mutex_);
        if (finished_ || accepting_ || active_ > 0) return;
        finished_ = true;
    }
    // Each connection delivered its own unfinished last line when it closed.
    net::co_spawn(strand_, [self = shared_from_this()] { return self->end_stream(line_batch{}); }, log_exit("ingest.tcp", id()));
}

source_descriptor tcp_source_descriptor() {
    source_descriptor d;
    d.schema = {"tcp",
                "Lines from TCP clients: newline-framed (nc host 5140) or octet-counted syslog (RFC 6587).",
                {listen_param("0.0.0.0:5140"),
                 max_line_bytes_param(),
                 {.name = "framing", .type = param_type::string, .default_value = "newline",
                  .doc = "newline, octet_counted (\"LEN SP MSG\", RFC 6587) or auto (per connection: octet-counted "
                         "when it starts with digits, a space and '<')",
                  .choices = {"newline", "octet_counted", "auto"}},
                 {.name = "max_connections", .type = param_type::integer, .default_value = 10000,
                  .doc = "Connections beyond this are refused and counted.", .min = 1, .max = 1048576},
                 {.name = "idle_timeout_ms", .type = param_type::integer, .default_value = 0,
                  .doc = "Close a connection silent this long (0: never).", .min = 0, .max = max_duration_ms},
                 {.name = "shutdown_timeout_ms", .type = param_type::integer, .default_value = 5000,
                  .doc = "At shutdown, how long open connections may keep sending before they are closed.", .min = 0,
                  .max = max_duration_ms},
                 tls_param()}};
    d.check = [](const boost::json::object& params, const std::string& path, problems& found) {
        check_listen(params, path, found);
        check_tls(params, path, found);
    };
    d.create = [](net::io_context& ioc, const component_config& c) -> std::shared_ptr<source> {
        auto n = [&](const char* name) { return c.params.at(name).to_number<std::int64_t>(); };
        tcp_source_config t;
        t.listen = parse_endpoint(std::string(c.params.at("listen").as_string()));
        t.max_line_bytes = static_cast<std::size_t>(n("max_line_bytes"));
        t.max_connections = static_cast<std::size_t>(n("max_connections"));
        t.idle_timeout = std::chrono::milliseconds(n("idle_timeout_ms"));
        t.shutdown_timeout = std::chrono::milliseconds(n("shutdown_timeout_ms"));
        parse_framing(std::string(c.params.at("framing").as_string()), t.framing);
        t.tls = tls_from_params(c.params);
        return std::make_shared<tcp_source>(ioc, c.id, t);
    };
    return d;
}

}  // namespace sightline
