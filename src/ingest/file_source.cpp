#include "sightline/ingest/file_source.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "sightline/ingest/file_tail_source.hpp"
#include "sightline/ingest/source_descriptor.hpp"

#include "sightline/core/log.hpp"
#include "sightline/core/log_exit.hpp"

namespace sightline {

file_source::file_source(net::io_context& ioc, std::string id, const std::string& path, std::size_t max_line_bytes,
                         std::size_t chunk_bytes)
    : source(std::move(id), "file"),
      strand_(net::make_strand(ioc)),
      path_(path),
      splitter_(max_line_bytes),
      chunk_bytes_(chunk_bytes) {
    fd_ = path == "-" ? ::dup(STDIN_FILENO) : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw std::runtime_error("cannot read input file " + path + ": " + std::strerror(errno));
    struct stat st{};
    if (::fstat(fd_, &st) == 0 && S_ISDIR(st.st_mode)) {
        ::close(fd_);
        throw std::runtime_error("cannot read input file " + path + ": is a directory");
    }
    regular_ = ::fstat(fd_, &st) == 0 && S_ISREG(st.st_mode);
    if (!regular_) {
        stream_ = std::make_unique<net::posix::stream_descriptor>(strand_, fd_);
        fd_ = -1;  // owned by stream_ now
    }
}

file_source::~file_source() {
    if (fd_ >= 0) ::close(fd_);
}

void file_source::stop() {
    stop_requested_ = true;
    net::post(strand_, [self = shared_from_this()] {
        error_code ignored;
        if (self->stream_) self->stream_->cancel(ignored);
    });
}

void file_source::start(std::function<void()> on_done) {
    on_done_ = std::move(on_done);
    net::co_spawn(strand_, [self = shared_from_this()] { return self->run(); }, log_exit("ingest.file", id()));
}

net::awaitable<std::size_t> file_source::read_some(char* buf, std::size_t n) {
    if (stream_) {
        auto [ec, got] = co_await stream_->async_read_some(net::buffer(buf, n), use_aw_ec);
        if (ec && !is_benign(ec)) {  // end of input, or cancelled by stop()
            metrics.errors.add();
            log::write(log::level::error, "ingest.file", "read_failed", {{"source", id()}, {"path", path_}, {"error", ec.message()}});
        }
        co_return ec ? 0 : got;
    }
    for (;;) {
        ssize_t got = ::read(fd_, buf, n);
        if (got >= 0) co_return static_cast<std::size_t>(got);
        if (errno == EINTR) continue;
        metrics.errors.add();
        log::write(log::level::error, "ingest.file", "read_failed",
                   {{"source", id()}, {"path", path_}, {"error", std::strerror(errno)}});
        co_return 0;
    }
}

net::awaitable<void> file_source::run() {
    std::string chunk(chunk_bytes_, '\0');
    for (;;) {
        if (stop_requested_) break;
        std::size_t got = co_await read_some(chunk.data(), chunk.size());
        if (got == 0) break;
        line_batch batch;
        batch.bytes->reserve(got + splitter_.pending_bytes());
        batch.lines.reserve(got / 64 + 1);
        auto truncated_before = splitter_.truncated();
        splitter_.feed(std::string_view(chunk.data(), got), batch);
        metrics.bytes.add(got);
        metrics.truncated.add(splitter_.truncated() - truncated_before);
        if (batch.empty()) continue;
        metrics.lines.add(batch.size());
        co_await deliver(std::move(batch));
    }
    line_batch last;
    auto truncated_before = splitter_.truncated();
    splitter_.finish(last);
    metrics.truncated.add(splitter_.truncated() - truncated_before);
    co_await end_stream(std::move(last));
}

source_descriptor file_source_descriptor() {
    source_descriptor d;
    d.schema = {"file",
                "Lines read from a file (\"-\" is standard input), once or followed like tail -F.",
                {{.name = "path", .type = param_type::string,
                  .doc = "File to read; \"-\" for standard input; with follow, a glob (e.g. /var/log/app/*.log).",
                  .required = true},
                 {.name = "follow", .type = param_type::boolean, .default_value = false, .doc = "Keep reading appended lines."},
                 {.name = "start_at", .type = param_type::string, .default_value = "beginning",
                  .doc = "Where to start reading a followed file.", .choices = {"beginning", "end"}},
                 max_line_bytes_param(),
                 {.name = "poll_interval_ms", .type = param_type::integer, .default_value = 250,
                  .doc = "How often a followed file is checked for new data, rotation and new glob matches.", .min = 10,
                  .max = max_duration_ms},
                 {.name = "read_chunk_bytes", .type = param_type::integer, .default_value = 1024 * 1024,
                  .doc = "Bytes read per system call (and roughly per batch).", .min = 4096, .max = 64.0 * 1024 * 1024}}};
    d.check = [](const boost::json::object& params, const std::string& path, problems& found) {
        if (params.at("path").as_string().empty()) found.add(path_join(path, "path"), "must not be empty");
    };
    d.create = [](net::io_context& ioc, const component_config& c) -> std::shared_ptr<source> {
        auto n = [&](const char* name) { return c.params.at(name).to_number<std::int64_t>(); };
        std::string path(c.params.at("path").as_string());
        if (c.params.at("follow").as_bool() && path != "-") {
            file_tail_config t;
            t.pattern = path;
            t.start_at_end = c.params.at("start_at").as_string() == "end";
            t.max_line_bytes = static_cast<std::size_t>(n("max_line_bytes"));
            t.poll_interval = std::chrono::milliseconds(n("poll_interval_ms"));
            return std::make_shared<file_tail_source>(ioc, c.id, t);
        }
        return std::make_shared<file_source>(ioc, c.id, path, static_cast<std::size_t>(n("max_line_bytes")),
                                             static_cast<std::size_t>(n("read_chunk_bytes")));
    };
    return d;
}

}  // namespace sightline
