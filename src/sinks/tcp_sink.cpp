// The `tcp` sink type: forwards lines over one TCP connection, newline-terminated or
// octet-counted (RFC 6587), to another Sightline, rsyslog, syslog-ng or anything that
// reads lines. TCP has no acknowledgement: a line counts as delivered once the kernel
// took it. When the connection fails, the message being written is sent again whole
// on the next one (at least once), after a backoff; meanwhile the pipeline waits.
// With `tls` it speaks TLS (syslog over TLS, RFC 5425, with octet_counted framing),
// verifying the receiver's certificate.
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/json/value_to.hpp>
#include <charconv>

#include "sightline/core/client_connection.hpp"
#include "sightline/core/http_url.hpp"
#include "sightline/core/log.hpp"
#include "sightline/core/log_exit.hpp"
#include "sightline/sinks/network_sink.hpp"
#include "sightline/sinks/sink_descriptor.hpp"

namespace sightline {

namespace {

using namespace net::experimental::awaitable_operators;

network_sink_options tcp_defaults() {
    network_sink_options o;
    o.max_in_flight = 1;  // one writer per stream
    o.batch_max_lines = 10'000;
    o.batch_max_bytes = 256 * 1024;
    o.batch_timeout = std::chrono::milliseconds(20);
    o.retry.attempts = 0;
    return o;
}

class tcp_sink final : public network_sink {
public:
    tcp_sink(net::io_context& ioc, const component_config& c)
        : network_sink(ioc, c.id, c.type, tcp_defaults().from_params(c.params)),
          address_(boost::json::value_to<std::string>(c.params.at("address"))),
          octet_counted_(c.params.at("framing").as_string() == "octet_counted"),
          connect_timeout_(c.params.at("connect_timeout_ms").to_number<std::int64_t>()),
          write_timeout_(c.params.at("write_timeout_ms").to_number<std::int64_t>()) {
        std::string why;
        auto hp = parse_host_port(address_, "", why);
        host_ = hp->host;  // checked by the descriptor
        port_ = hp->port;
        if (auto tls = tls_client_from_params(c.params)) tls_ = make_tls_client(*tls, "sink " + id());
    }

private:
    void encode_line(const line_batch& batch, std::size_t i, std::string& payload) override {
        if (!octet_counted_) return network_sink::encode_line(batch, i, payload);
        scratch_.clear();
        format_.format_line(batch, i, scratch_);
        char digits[24];
        auto [end, ec] = std::to_chars(digits, digits + sizeof digits, scratch_.size());
        payload.append(digits, end);
        payload.push_back(' ');
        payload += scratch_;
    }

    net::awaitable<delivery_result> deliver(outgoing_message& m) override {
        if (!conn_) {
            auto error = co_await connect();
            if (!error.empty()) co_return delivery_result::retry(std::move(error));
        }
        auto conn = conn_;
        net::steady_timer timer(strand_, write_timeout_);
        auto write = conn->visit([&](auto& s) { return net::async_write(s, net::buffer(m.payload), use_aw_ec); });
        auto deadline = timer.async_wait(use_aw_ec);
        auto result = co_await (std::move(write) || std::move(deadline));
        error_code ec = result.index() == 0 ? std::get<0>(std::get<0>(result)) : error_code(net::error::timed_out);
        if (ec) {
            drop_connection();
            co_return delivery_result::retry("send to " + address_ + ": " + ec.message());
        }
        co_return delivery_result::delivered();
    }

    net::awaitable<std::string> connect() {
        auto conn = std::make_shared<client_connection>(strand_, tls_);
        auto op = conn->connect(host_, port_, connect_timeout_);
        auto error = co_await std::move(op);
        if (!error.empty()) {
            delivery.set_connected(false);  // the disconnected time runs from here
            co_return error;
        }
        error_code ignored;
        conn->tcp().socket().set_option(tcp::no_delay(true), ignored);
        conn_ = conn;
        ++generation_;
        delivery.set_connected(true);
        log::write(log::level::info, "sinks", "sink_connected", {{"sink", id()}, {"address", address_}, {"tls", tls_ != nullptr}});
        net::co_spawn(strand_, [self = self_as<tcp_sink>(), conn, generation = generation_] { return self->watch_peer(conn, generation); },
                      log_exit("sinks", id() + ".watch"));
        co_return std::string();
    }

    /// Reads (and ignores) what the peer sends, to learn at once when it closes the
    /// connection: the next message then goes to a new one. Holds its connection, so
    /// a drop while it reads leaves it a closed stream, never a freed one.
    net::awaitable<void> watch_peer(std::shared_ptr<client_connection> conn, std::uint64_t generation) {
        char discard[512];
        for (;;) {
            auto read = conn->visit([&](auto& s) { return s.async_read_some(net::buffer(discard), use_aw_ec); });
            auto [ec, n] = co_await std::move(read);
            if (generation != generation_) co_return;  // a newer connection took over
            if (ec) {
                log::write(log::level::warn, "sinks", "sink_disconnected",
                           {{"sink", id()}, {"address", address_}, {"error", ec.message()}});
                delivery.set_last_error("connection to " + address_ + " closed: " + ec.message());
                drop_connection();
                co_return;
            }
        }
    }

    void drop_connection() {
        ++generation_;  // its watcher, woken by the close, leaves quietly
        if (conn_) conn_->tcp().close();
        conn_.reset();
        delivery.set_connected(false);
    }

    void on_stop() override {
        if (conn_ && conn_->secure()) {
            // TLS ends with close_notify (bounded), so a receiver sees a clean end, not a
            // truncated session; the coroutine holds the connection until it is done.
            ++generation_;
            net::co_spawn(strand_, [conn = std::move(conn_)] { return conn->shutdown(std::chrono::milliseconds(1000)); },
                          net::detached);
            delivery.set_connected(false);
            return;
        }
        if (conn_) {
            error_code ignored;
            conn_->tcp().socket().shutdown(tcp::socket::shutdown_send, ignored);
        }
        drop_connection();
    }

    std::string address_;
    std::string host_, port_;
    bool octet_counted_;
    std::chrono::milliseconds connect_timeout_;
    std::chrono::milliseconds write_timeout_;
    std::shared_ptr<const tls_client> tls_;  // null: plain TCP
    std::shared_ptr<client_connection> conn_;  // null: not connected (strand only)
    std::uint64_t generation_ = 0;
    std::string scratch_;
};

}  // namespace

sink_descriptor tcp_sink_descriptor() {
    sink_descriptor d;
    d.schema = {"tcp",
                "Forwards lines over TCP (to another Sightline, rsyslog, syslog-ng), newline-terminated or "
                "octet-counted (RFC 6587); reconnects with backoff, the pipeline waiting meanwhile.",
                {{.name = "address", .type = param_type::string, .doc = "host:port to connect to.", .required = true},
                 {.name = "framing", .type = param_type::string, .default_value = "newline",
                  .doc = "newline, or octet_counted (\"LEN message\", RFC 6587: for syslog receivers).",
                  .choices = {"newline", "octet_counted"}},
                 {.name = "connect_timeout_ms", .type = param_type::integer, .default_value = 5000,
                  .doc = "Longest wait for a connection.", .min = 1, .max = max_duration_ms},
                 {.name = "write_timeout_ms", .type = param_type::integer, .default_value = 30'000,
                  .doc = "Longest wait for one message to be written (the receiver not reading).", .min = 1,
                  .max = max_duration_ms},
                 tls_client_param("to the receiver (syslog over TLS, RFC 5425: use octet_counted framing)")}};
    for (auto& p : tcp_defaults().params(false)) d.schema.params.push_back(std::move(p));
    d.check = [](const boost::json::object& params, const std::string& path, problems& found) {
        std::string why;
        if (!parse_host_port(boost::json::value_to<std::string>(params.at("address")), "", why))
            found.add(path_join(path, "address"), why);
        check_tls_client(params, path, found);
        delivery_retry::check(params, path, found);
    };
    d.create = [](net::io_context& ioc, const component_config& c) -> std::shared_ptr<sink> {
        return std::make_shared<tcp_sink>(ioc, c);
    };
    return d;
}

}  // namespace sightline
