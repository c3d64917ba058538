#pragma once
#include <atomic>
#include <memory>

#include "sightline/core/net.hpp"
#include "sightline/ingest/line_splitter.hpp"
#include "sightline/ingest/source.hpp"

namespace sightline {

/// Reads a file once from start to end ("-" is standard input). Regular files are read
/// with plain read(2) (epoll cannot wait on them); pipes and terminals asynchronously.
class file_source : public source, public std::enable_shared_from_this<file_source> {
public:
    /// Opens `path` now so a missing or unreadable file fails at start-up (exit 1) with
    /// the path in the message (std::runtime_error).
    file_source(net::io_context& ioc, std::string id, const std::string& path, std::size_t max_line_bytes,
                std::size_t chunk_bytes);
    ~file_source() override;

    void start(std::function<void()> on_done) override;
    /// Stops reading: a read waiting on a pipe or terminal (stdin) is cancelled, so a
    /// SIGTERM does not wait for the next byte.
    void stop() override;
    bool finite() const override { return true; }

private:
    net::awaitable<void> run();
    /// Reads up to `n` bytes into `buf`; 0 at end of file.
    net::awaitable<std::size_t> read_some(char* buf, std::size_t n);

    net::strand<net::io_context::executor_type> strand_;
    std::string path_;
    int fd_ = -1;
    bool regular_ = true;
    std::unique_ptr<net::posix::stream_descriptor> stream_;
    line_splitter splitter_;
    std::size_t chunk_bytes_;
    std::atomic<bool> stop_requested_{false};
};

}  // namespace sightline
