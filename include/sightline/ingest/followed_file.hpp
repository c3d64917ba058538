#pragma once
#include <sys/types.h>

#include <cstdint>
#include <string>

#include "sightline/core/line_batch.hpp"
#include "sightline/ingest/line_splitter.hpp"

namespace sightline {

/// One file read the way `tail -F` reads it: appended bytes as they come, and the
/// file's identity checked at each end of data. Rename-and-recreate rotation (the
/// path now names another inode) drains the old file to its end first, then reads the
/// new one from its start; truncation (size below what was read) restarts at offset
/// 0; a deleted path keeps the open file until the path comes back. No byte is read
/// twice and none is skipped. Synchronous and Asio-free.
class followed_file {
public:
    followed_file(std::string path, std::size_t max_line_bytes, bool start_at_end);
    ~followed_file();
    followed_file(const followed_file&) = delete;
    followed_file& operator=(const followed_file&) = delete;

    /// Appends the lines completed by new data (at most about `max_bytes` read) to `out`.
    /// Returns the number of bytes read (0: nothing new now).
    std::size_t read_new(line_batch& out, std::size_t max_bytes);
    /// The unfinished last line (if any) goes to `out`: at shutdown.
    void finish(line_batch& out) { splitter_.finish(out); }

    const std::string& path() const { return path_; }
    bool is_open() const { return fd_ >= 0; }
    std::uint64_t rotations() const { return rotations_; }
    std::uint64_t truncations() const { return truncations_; }
    std::uint64_t truncated_lines() const { return splitter_.truncated(); }
    std::uint64_t bytes_read() const { return bytes_read_; }

private:
    /// Opens the path (replacing the open file); `at_end` starts at its current end.
    bool open_path(bool at_end);
    /// At end of data: detects rotation and truncation. True if reading should go on.
    bool check_identity(line_batch& out);

    std::string path_;
    line_splitter splitter_;
    int fd_ = -1;
    dev_t dev_ = 0;
    ino_t ino_ = 0;
    off_t offset_ = 0;
    std::string buffer_;
    std::uint64_t rotations_ = 0;
    std::uint64_t truncations_ = 0;
    std::uint64_t bytes_read_ = 0;
};

}  // namespace sightline
