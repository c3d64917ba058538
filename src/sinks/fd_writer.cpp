#include "sightline/sinks/fd_writer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace sightline {

namespace {
int open_for_append(const std::string& path) {
    return ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
}
}  // namespace

fd_writer fd_writer::open_append(const std::string& path, std::size_t buffer_bytes) {
    int fd = open_for_append(path);
    if (fd < 0) throw std::runtime_error("cannot open output file " + path + ": " + std::strerror(errno));
    return fd_writer(fd, true, path, buffer_bytes);
}

fd_writer fd_writer::borrow(int fd, std::size_t buffer_bytes) { return fd_writer(fd, false, "", buffer_bytes); }

fd_writer::fd_writer(int fd, bool owned, std::string path, std::size_t buffer_bytes)
    : fd_(fd), owned_(owned), path_(std::move(path)), capacity_(buffer_bytes) {
    buffer_.reserve(capacity_);
}

fd_writer::fd_writer(fd_writer&& o) noexcept
    : fd_(o.fd_),
      owned_(o.owned_),
      path_(std::move(o.path_)),
      buffer_(std::move(o.buffer_)),
      capacity_(o.capacity_),
      lines_buffered_(o.lines_buffered_),
      lines_written_(o.lines_written_),
      bytes_written_(o.bytes_written_),
      lines_failed_(o.lines_failed_),
      last_error_(std::move(o.last_error_)) {
    o.fd_ = -1;
    o.owned_ = false;
}

fd_writer::~fd_writer() {
    flush();
    if (owned_ && fd_ >= 0) ::close(fd_);
}

bool fd_writer::write_all(const char* p, std::size_t n) {
    while (n > 0) {
        ssize_t w = ::write(fd_, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            last_error_ = std::strerror(errno);
            return false;
        }
        p += w;
        n -= static_cast<std::size_t>(w);
    }
    return true;
}

bool fd_writer::write(const line_batch& b) {
    bool ok = true;
    const std::string& bytes = *b.bytes;
    for (const auto& l : b.lines) {
        if (buffer_.size() + l.length + 1 > capacity_ && !buffer_.empty()) ok = flush() && ok;
        buffer_.append(bytes, l.offset, l.length);
        buffer_.push_back('\n');
        ++lines_buffered_;
    }
    if (buffer_.size() >= capacity_) ok = flush() && ok;
    return ok;
}

bool fd_writer::flush() {
    if (buffer_.empty() || fd_ < 0) return true;
    bool ok = write_all(buffer_.data(), buffer_.size());
    if (ok) {
        lines_written_ += lines_buffered_;
        bytes_written_ += buffer_.size();
    } else {
        lines_failed_ += lines_buffered_;
    }
    lines_buffered_ = 0;
    buffer_.clear();
    return ok;
}

bool fd_writer::reopen() {
    if (!owned_) return true;
    flush();
    int fd = open_for_append(path_);
    if (fd < 0) {
        last_error_ = std::strerror(errno);
        return false;
    }
    ::close(fd_);
    fd_ = fd;
    return true;
}

}  // namespace sightline
