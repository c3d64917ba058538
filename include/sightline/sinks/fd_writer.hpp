#pragma once
#include <cstdint>
#include <string>

#include "sightline/core/line_batch.hpp"

namespace sightline {

/// Buffered line writer on a file descriptor: each line gets a newline; a write goes to
/// the kernel when the buffer is full or on flush(). Synchronous and Asio-free; the
/// sink calls it on its own strand.
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
    /// Hands buffered bytes to the kernel; false on error (see last_error()).
    bool flush();
    /// Lines and bytes handed to the kernel successfully so far.
    std::uint64_t lines_written() const { return lines_written_; }
    std::uint64_t bytes_written() const { return bytes_written_; }
    /// Lines that could not be written (their write failed).
    std::uint64_t lines_failed() const { return lines_failed_; }
    /// Lines waiting in the buffer.
    std::uint64_t lines_buffered() const { return lines_buffered_; }
    /// errno text of the last failure.
    const std::string& last_error() const { return last_error_; }
    /// The file's path (empty for borrowed fds).
    const std::string& path() const { return path_; }
    /// Reopens the path (log rotation); no-op for borrowed fds.
    bool reopen();

private:
    fd_writer(int fd, bool owned, std::string path, std::size_t buffer_bytes);
    bool write_all(const char* p, std::size_t n);

    int fd_;
    bool owned_;
    std::string path_;
    std::string buffer_;
    std::size_t capacity_;
    std::uint64_t lines_buffered_ = 0;
    std::uint64_t lines_written_ = 0;
    std::uint64_t bytes_written_ = 0;
    std::uint64_t lines_failed_ = 0;
    std::string last_error_;
};

}  // namespace sightline
