#pragma once
// Helpers the unit tests share: a temporary directory, and a consumer that keeps every
// line it is sent (the end of a graph under test).
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "sightline/core/log_exit.hpp"
#include "sightline/core/net.hpp"
#include "sightline/pipeline/batch_consumer.hpp"

namespace sightline::test {

/// A fresh directory under the temp dir, removed with everything in it at scope exit.
struct temp_dir {
    std::filesystem::path path;
    temp_dir() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "sl-test-XXXXXX").string();
        if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
        path = tmpl;
    }
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    std::string file(const std::string& name) const { return (path / name).string(); }
    std::string write(const std::string& name, const std::string& content) const {
        std::ofstream(file(name), std::ios::binary) << content;
        return file(name);
    }
};

inline std::string read_file(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

/// Keeps the lines of every batch it receives until all its producers have ended.
class capture : public batch_consumer, public std::enable_shared_from_this<capture> {
public:
    explicit capture(net::io_context& ioc, std::size_t capacity = default_capacity)
        : batch_consumer(net::make_strand(ioc), "capture", capacity), ioc_(ioc) {}

    void start() {
        net::co_spawn(net::make_strand(ioc_), [self = shared_from_this()] { return self->run(); }, log_exit("test", "capture"));
    }
    std::vector<std::string> lines() const {
        std::lock_guard lock(mutex_);
        return lines_;
    }
    std::size_t batches() const {
        std::lock_guard lock(mutex_);
        return batches_;
    }
    bool ended() const {
        std::lock_guard lock(mutex_);
        return ended_;
    }

private:
    net::awaitable<void> run() {
        for (;;) {
            auto b = co_await next_batch();
            std::lock_guard lock(mutex_);
            if (!b) {
                ended_ = true;
                break;
            }
            ++batches_;
            for (std::size_t i = 0; i < b->size(); ++i) lines_.emplace_back(b->text(i));
        }
    }

    net::io_context& ioc_;
    mutable std::mutex mutex_;
    std::vector<std::string> lines_;
    std::size_t batches_ = 0;
    bool ended_ = false;
};

/// A batch of `lines` (for feeding a consumer).
inline line_batch batch_of(const std::vector<std::string>& lines) {
    line_batch b;
    for (const auto& l : lines) b.append(l);
    return b;
}

/// Sends `batches` to `target`, then its end-of-stream (the caller counted the producer).
inline net::awaitable<void> feed(batch_consumer* target, std::vector<line_batch> batches) {
    for (auto& b : batches) co_await target->send(std::move(b));
    co_await target->send(line_batch::eos());
}

/// Runs `ioc` until `done()` holds or `limit` passes (a watchdog for async tests).
template <class Pred>
bool run_until(net::io_context& ioc, Pred done, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        ioc.restart();
        ioc.run_for(std::chrono::milliseconds(5));
    }
    return true;
}

}  // namespace sightline::test
