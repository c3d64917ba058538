#include "sightline/sinks/fd_writer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
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
      line_ends_(std::move(o.line_ends_)),
      line_ids_(std::move(o.line_ids_)),
      failed_(std::move(o.failed_)),
      failing_(o.failing_),
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

std::size_t fd_writer::write_all(const char* p, std::size_t n) {
    std::size_t done = 0;
    while (done < n) {
        ssize_t w = ::write(fd_, p + done, n - done);
        if (w < 0) {
            if (errno == EINTR) continue;
            last_error_ = std::strerror(errno);
            break;
        }
        done += static_cast<std::size_t>(w);
    }
    return done;
}

bool fd_writer::write(const line_batch& b) {
    bool ok = true;
    const std::string& bytes = *b.bytes;
    for (const auto& l : b.lines) {
        if (buffer_.size() + l.length + 1 > capacity_ && !buffer_.empty()) ok = flush() && ok;
        buffer_.append(bytes, l.offset, l.length);
        buffer_.push_back('\n');
        line_ends_.push_back(buffer_.size());
        line_ids_.push_back(l.line_id);
    }
    if (buffer_.size() >= capacity_) ok = flush() && ok;
    return ok;
}

void fd_writer::append(const line_batch& b) {
    const std::string& bytes = *b.bytes;
    for (const auto& l : b.lines) {
        buffer_.append(bytes, l.offset, l.length);
        buffer_.push_back('\n');
        line_ends_.push_back(buffer_.size());
        line_ids_.push_back(l.line_id);
    }
}

bool fd_writer::flush() {
    if (buffer_.empty() || fd_ < 0) return true;
    if (failing_ && owned_) {
        // The file failed last time: it may work again under the same path.
        int fd = open_for_append(path_);
        if (fd >= 0) {
            ::close(fd_);
            fd_ = fd;
        }
    }
    std::size_t written = write_all(buffer_.data(), buffer_.size());
    // Lines that reached the kernel whole are written; the rest (a line cut by the
    // error included) failed and are kept for take_failed().
    auto whole = static_cast<std::size_t>(std::upper_bound(line_ends_.begin(), line_ends_.end(), written) -
                                          line_ends_.begin());
    for (std::size_t i = whole; i < line_ends_.size(); ++i) {
        std::size_t start = i == 0 ? 0 : line_ends_[i - 1];
        failed_.append(std::string_view(buffer_).substr(start, line_ends_[i] - 1 - start));
        failed_.lines.back().line_id = line_ids_[i];
    }
    lines_written_ += whole;
    bytes_written_ += written;
    lines_failed_ += line_ends_.size() - whole;
    failing_ = written < buffer_.size();
    line_ends_.clear();
    line_ids_.clear();
    buffer_.clear();
    return !failing_;
}

line_batch fd_writer::take_failed() {
    line_batch out;
    std::swap(out, failed_);
    return out;
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
