#include "sightline/ingest/udp_source.hpp"

#include <linux/sock_diag.h>
#include <sys/socket.h>

#include <array>
#include <cstring>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "sightline/ingest/source_descriptor.hpp"

#include "sightline/core/listen_socket.hpp"
#include "sightline/core/log.hpp"
#include "sightline/core/log_exit.hpp"

namespace sightline {

namespace {
constexpr std::size_t max_datagram = 65536;
constexpr unsigned messages_per_call = 32;
constexpr std::size_t max_lines_per_batch = 8192;
}  // namespace

udp_source::udp_source(net::io_context& ioc, std::string id, udp_source_config cfg)
    : source(std::move(id), "udp"),
      strand_(net::make_strand(ioc)),
      cfg_(cfg),
      socket_(strand_),
      splitter_(cfg.max_line_bytes) {
    open_bound(socket_, cfg_.listen, "source " + this->id() + ": cannot listen on udp");
    error_code ignored;
    socket_.set_option(net::socket_base::receive_buffer_size(cfg_.receive_buffer_bytes), ignored);
    socket_.non_blocking(true, ignored);
    local_ = socket_.local_endpoint();
}

void udp_source::start(std::function<void()> on_done) {
    on_done_ = std::move(on_done);
    net::co_spawn(strand_, [self = shared_from_this()] { return self->run(); }, log_exit("ingest.udp", id()));
    log::write(log::level::info, "ingest.udp", "listening", {{"source", id()}, {"address", to_string(local_)}});
}

void udp_source::stop() {
    // Not closed here: the datagrams already in the kernel buffer were accepted, and
    // run() reads them out before it closes the socket.
    net::post(strand_, [self = shared_from_this()] {
        self->stopping_ = true;
        error_code ignored;
        self->socket_.cancel(ignored);
    });
}

void udp_source::drain(line_batch& batch) {
    if (storage_.empty()) storage_.resize(messages_per_call * max_datagram);
    auto& storage = storage_;
    std::array<mmsghdr, messages_per_call> msgs{};
    std::array<iovec, messages_per_call> iovs{};
    const int fd = socket_.native_handle();
    while (batch.size() < max_lines_per_batch) {
        for (unsigned i = 0; i < messages_per_call; ++i) {
            iovs[i] = {storage.data() + i * max_datagram, max_datagram};
            msgs[i].msg_hdr = {};
            msgs[i].msg_hdr.msg_iov = &iovs[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
        }
        int n = ::recvmmsg(fd, msgs.data(), messages_per_call, MSG_DONTWAIT, nullptr);
        if (n <= 0) break;  // EAGAIN: nothing more waiting now
        for (int i = 0; i < n; ++i) {
            std::size_t len = msgs[static_cast<std::size_t>(i)].msg_len;
            metrics.bytes.add(len);
            datagrams_.fetch_add(1, std::memory_order_relaxed);
            auto truncated_before = splitter_.truncated();
            // Each datagram ends its last line, newline or not.
            splitter_.feed(std::string_view(storage.data() + static_cast<std::size_t>(i) * max_datagram, len), batch);
            splitter_.finish(batch);
            metrics.truncated.add(splitter_.truncated() - truncated_before);
        }
        if (static_cast<unsigned>(n) < messages_per_call) break;
    }
    read_kernel_drops();
}

void udp_source::read_kernel_drops() {
    // The socket's drop counter as it is now (SO_MEMINFO). A counter carried by received
    // datagrams (SO_RXQ_OVFL) would miss the drops after the last datagram read.
    std::array<std::uint32_t, SK_MEMINFO_VARS> info{};
    socklen_t len = sizeof info;
    if (::getsockopt(socket_.native_handle(), SOL_SOCKET, SO_MEMINFO, info.data(), &len) == 0 &&
        len >= (SK_MEMINFO_DROPS + 1) * sizeof(std::uint32_t))
        kernel_dropped_.store(info[SK_MEMINFO_DROPS], std::memory_order_relaxed);
}

net::awaitable<void> udp_source::run() {
    for (;;) {
        if (stopping_) break;
        auto [ec] = co_await socket_.async_wait(udp::socket::wait_read, use_aw_ec);
        if (ec || stopping_ || !socket_.is_open()) break;
        line_batch batch;
        drain(batch);
        if (batch.empty()) continue;
        metrics.lines.add(batch.size());
        // A full pipeline pauses reading, as for TCP: datagrams then wait in the kernel's
        // receive buffer (receive_buffer_bytes), which absorbs bursts; only what
        // overflows it is lost, counted by the kernel (kernel_dropped_datagrams).
        // Dropping a batch whenever the first stage was four wake-ups behind lost lines
        // at 10 000 lines/s while that buffer stood empty.
        co_await deliver(std::move(batch));
    }
    // Shutdown: what the kernel buffer holds now is delivered too, within the time limit.
    auto deadline = std::chrono::steady_clock::now() + cfg_.shutdown_timeout;
    std::uint64_t drained = 0;
    while (socket_.is_open() && std::chrono::steady_clock::now() < deadline) {
        line_batch batch;
        drain(batch);
        if (batch.empty()) break;
        drained += batch.size();
        metrics.lines.add(batch.size());
        co_await deliver(std::move(batch));
    }
    if (socket_.is_open()) read_kernel_drops();  // the last word on what the kernel dropped
    error_code ignored;
    socket_.close(ignored);
    log::write(log::level::info, "ingest.udp", "stopped",
               {{"source", id()}, {"drained_lines", drained}, {"kernel_dropped_datagrams", kernel_dropped()}});
    line_batch none;  // each datagram ended its own last line
    co_await end_stream(std::move(none));
}

void udp_source::add_stats(source_stats& s) const {
    s.datagrams = datagrams();
    s.kernel_dropped_datagrams = kernel_dropped();
}

source_descriptor udp_source_descriptor() {
    source_descriptor d;
    d.schema = {"udp",
                "Lines from UDP datagrams (one or more lines each; trailing newline optional).",
                {listen_param("0.0.0.0:5140"),
                 max_line_bytes_param(),
                 {.name = "receive_buffer_bytes", .type = param_type::integer, .default_value = 4 * 1024 * 1024,
                  .doc = "SO_RCVBUF asked of the kernel.", .min = 4096, .max = 1024.0 * 1024 * 1024},
                 {.name = "shutdown_timeout_ms", .type = param_type::integer, .default_value = 1000,
                  .doc = "At shutdown, how long datagrams already in the kernel buffer may take to be read out.",
                  .min = 0, .max = max_duration_ms}}};
    d.check = check_listen;
    d.create = [](net::io_context& ioc, const component_config& c) -> std::shared_ptr<source> {
        auto listen = parse_endpoint(std::string(c.params.at("listen").as_string()));
        udp_source_config u;
        u.listen = udp::endpoint(listen.address(), listen.port());
        u.max_line_bytes = static_cast<std::size_t>(c.params.at("max_line_bytes").to_number<std::int64_t>());
        u.receive_buffer_bytes = static_cast<int>(c.params.at("receive_buffer_bytes").to_number<std::int64_t>());
        u.shutdown_timeout = std::chrono::milliseconds(c.params.at("shutdown_timeout_ms").to_number<std::int64_t>());
        return std::make_shared<udp_source>(ioc, c.id, u);
    };
    return d;
}

}  // namespace sightline
