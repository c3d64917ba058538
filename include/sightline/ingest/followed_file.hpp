#pragma once
#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "sightline/core/line_batch.hpp"
#include "sightline/ingest/line_splitter.hpp"

namespace sightline {

/// A file as the kernel knows it, whatever its name: a renamed file keeps it.
struct file_identity {
    dev_t dev = 0;
    ino_t ino = 0;
    auto operator<=>(const file_identity&) const = default;
};

/// How far each file was read, by identity: a file that shows up under a new name (a
/// rotation into a name the glob matches too) goes on from there, never from 0.
using read_offsets = std::map<file_identity, off_t>;

/// One file read the way `tail -F` reads it: appended bytes as they come, and the
/// file's identity checked at each end of data. Rename-and-recreate rotation (the
/// path now names another inode) drains the old file to its end first, then reads the
/// new one from its start; truncation (size below what was read) restarts at offset
/// 0; a path renamed away keeps the open file until the path comes back; a file deleted
/// (no name left) is let go once read to its end, so its space is freed. No byte is read
/// twice and none is skipped. Synchronous and Asio-free.
class followed_file {
public:
    /// `offsets` (optional, shared by the followers of one source): where to go on in a
    /// file already read under another name, and where this one left each file.
    followed_file(std::string path, std::size_t max_line_bytes, bool start_at_end, read_offsets* offsets = nullptr);
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
    /// The open file's identity (none while nothing is open).
    std::optional<file_identity> identity() const;
    /// True once a deleted file was read to its end and closed (until the path returns).
    bool released() const { return fd_ < 0 && releases_ > 0; }
    std::uint64_t releases() const { return releases_; }
    std::uint64_t rotations() const { return rotations_; }
    std::uint64_t truncations() const { return truncations_; }
    std::uint64_t truncated_lines() const { return splitter_.truncated(); }
    std::uint64_t bytes_read() const { return bytes_read_; }

private:
    /// Opens the path (replacing the open file); `at_end` starts at its current end.
    bool open_path(bool at_end);
    /// At end of data: detects rotation and truncation. True if reading should go on.
    bool check_identity(line_batch& out);
    /// Notes how far the open file was read (before leaving it).
    void remember() const;

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
    std::uint64_t releases_ = 0;
    read_offsets* offsets_ = nullptr;
};

}  // namespace sightline
