#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "sightline/core/line_batch.hpp"

namespace sightline {

/// Buffered line writer on a file descriptor: each line gets a newline; a write goes to
/// the kernel when the buffer is full or on flush(). Synchronous and Asio-free; the
/// sink calls it on its own strand. Lines whose write failed are kept for the caller
/// (take_failed) instead of vanishing, and while writes fail an owned path is opened
/// afresh before each attempt, so a file that works again (space freed, path pointed
/// elsewhere, permissions fixed) is written again without a restart.
class fd_writer {
public:
    /// Opens `path` for appending (created 0644 if missing); throws std::runtime_error
    /// naming the path when it cannot.
    static fd_writer open_append(const std::string& path, std::size_t buffer_bytes);
    /// Writes to an fd it does not own (standard output).
    static fd_writer borrow(int fd, std::size_t buffer_bytes);

    fd_writer(fd_writer&& other) noexcept;
    fd_writer& operator=(fd_writer&&) = delete;
    ~fd_writer();

    /// Adds every line of `b`; returns false if a write to the kernel failed.
    bool write(const line_batch& b);
    /// Adds every line of `b` to the buffer only (no system call: the caller flushes
    /// when full(), off its own thread if it must not block).
    void append(const line_batch& b);
    /// Adds every line of `b`, each appended to the buffer by `append(i, buffer)` (a
    /// sink's output format writes straight into the buffer: no copy in between); no
    /// system call either.
    template <class Append>
    void append_each(const line_batch& b, Append&& append) {
        for (std::size_t i = 0; i < b.size(); ++i) {
            append(i, buffer_);
            buffer_.push_back('\n');
            line_ends_.push_back(buffer_.size());
            line_ids_.push_back(b.lines[i].line_id);
        }
    }
    /// True when the buffer holds its capacity or more: time to flush.
    bool full() const { return buffer_.size() >= capacity_; }
    /// Hands buffered bytes to the kernel; false on error (see last_error()).
    bool flush();
    /// Lines and bytes handed to the kernel successfully so far.
    std::uint64_t lines_written() const { return lines_written_; }
    std::uint64_t bytes_written() const { return bytes_written_; }
    /// Lines that could not be written (their write failed).
    std::uint64_t lines_failed() const { return lines_failed_; }
    /// Lines waiting in the buffer.
    std::uint64_t lines_buffered() const { return line_ends_.size(); }
    /// The lines whose write failed since the last call (a line the kernel took only
    /// in part counts as failed), with their line ids, handed over once.
    line_batch take_failed();
    /// True while the last write attempt failed.
    bool failing() const { return failing_; }
    /// errno text of the last failure.
    const std::string& last_error() const { return last_error_; }
    /// The file's path (empty for borrowed fds).
    const std::string& path() const { return path_; }
    /// Reopens the path (log rotation); no-op for borrowed fds.
    bool reopen();

private:
    fd_writer(int fd, bool owned, std::string path, std::size_t buffer_bytes);
    /// Bytes handed to the kernel before an error (n when all were).
    std::size_t write_all(const char* p, std::size_t n);

    int fd_;
    bool owned_;
    std::string path_;
    std::string buffer_;
    std::size_t capacity_;
    std::vector<std::size_t> line_ends_;  // end of each buffered line (after its newline)
    std::vector<std::uint64_t> line_ids_;  // id of each buffered line
    line_batch failed_;
    bool failing_ = false;
    std::uint64_t lines_written_ = 0;
    std::uint64_t bytes_written_ = 0;
    std::uint64_t lines_failed_ = 0;
    std::string last_error_;
};

}  // namespace sightline
