#pragma once
#include <atomic>
#include <chrono>
#include <map>
#include <memory>

#include "sightline/core/net.hpp"
#include "sightline/ingest/followed_file.hpp"
#include "sightline/ingest/source.hpp"

namespace sightline {

/// Settings of a followed file source.
struct file_tail_config {
    /// A path or a glob ("/var/log/app/*.log"); new matches are picked up while running.
    std::string pattern;
    bool start_at_end = false;
    std::size_t max_line_bytes = 65536;
    std::chrono::milliseconds poll_interval{250};
};

/// Follows one or more files like `tail -F` (see followed_file): reads what is new,
/// waits `poll_interval` when nothing is, and re-expands the glob each time. Files are
/// known by device and inode: one renamed into another matching name is not read again,
/// and one deleted is let go once read to its end. Reading
/// waits while the pipeline's first hand-off is full, so a slow pipeline slows it.
class file_tail_source : public source, public std::enable_shared_from_this<file_tail_source> {
public:
    file_tail_source(net::io_context& ioc, std::string id, file_tail_config cfg);

    void start(std::function<void()> on_done) override;
    void stop() override;
    bool finite() const override { return false; }

protected:
    void add_stats(source_stats& s) const override;

private:
    net::awaitable<void> run();
    /// Adds files that now match the pattern (by identity: a renamed file is not a new one).
    void discover();
    bool is_glob() const;

    net::strand<net::io_context::executor_type> strand_;
    file_tail_config cfg_;
    net::steady_timer timer_;
    std::map<std::string, std::unique_ptr<followed_file>> files_;  // only on strand_
    read_offsets offsets_;  // how far each file was read, by identity (strand only)
    bool discovered_once_ = false;  // start_at: end applies to the files of the first look only
    std::atomic<bool> stop_requested_{false};
    std::atomic<std::uint64_t> rotations_{0};
    std::atomic<std::uint64_t> file_truncations_{0};
    std::atomic<std::uint64_t> files_followed_{0};
    std::atomic<std::uint64_t> files_released_{0};
};

}  // namespace sightline
