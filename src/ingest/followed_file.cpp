#include "sightline/ingest/followed_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace sightline {

namespace {
constexpr std::size_t followed_read_chunk = 256 * 1024;
}

followed_file::followed_file(std::string path, std::size_t max_line_bytes, bool start_at_end, read_offsets* offsets)
    : path_(std::move(path)), splitter_(max_line_bytes), offsets_(offsets) {
    // start_at: end applies to what exists now; a file that appears later is read whole.
    open_path(start_at_end);
}

followed_file::~followed_file() {
    if (fd_ >= 0) ::close(fd_);
}

bool followed_file::open_path(bool at_end) {
    int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    struct stat st{};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        return false;
    }
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
    dev_ = st.st_dev;
    ino_ = st.st_ino;
    offset_ = at_end ? st.st_size : 0;
    if (offsets_) {
        // Read before under another name: go on from there (from 0 if it shrank since).
        if (auto it = offsets_->find({dev_, ino_}); it != offsets_->end() && !at_end)
            offset_ = it->second <= st.st_size ? it->second : 0;
    }
    if (buffer_.empty()) buffer_.resize(followed_read_chunk, '\0');
    return true;
}

std::optional<file_identity> followed_file::identity() const {
    if (fd_ < 0) return std::nullopt;
    return file_identity{dev_, ino_};
}

void followed_file::remember() const {
    if (offsets_ && fd_ >= 0) (*offsets_)[{dev_, ino_}] = offset_;
}

bool followed_file::check_identity(line_batch& out) {
    struct stat by_path{};
    if (::stat(path_.c_str(), &by_path) != 0) {
        struct stat by_fd{};
        if (::fstat(fd_, &by_fd) == 0 && by_fd.st_nlink > 0) return false;  // renamed away: a writer may still append
        // Deleted and read to its end: let it go, so the disk space is freed.
        splitter_.finish(out);
        remember();
        ::close(fd_);
        fd_ = -1;
        std::string().swap(buffer_);
        ++releases_;
        return false;
    }
    if (by_path.st_dev != dev_ || by_path.st_ino != ino_) {
        // Rotated: the old file was read to its end just now; its last line is complete.
        splitter_.finish(out);
        remember();
        if (!open_path(false)) return false;
        ++rotations_;
        return true;
    }
    struct stat by_fd{};
    if (::fstat(fd_, &by_fd) == 0 && by_fd.st_size < offset_) {
        // Truncated in place (copytruncate): start over from the beginning.
        splitter_.finish(out);
        offset_ = 0;
        ++truncations_;
        return true;
    }
    return false;
}

std::size_t followed_file::read_new(line_batch& out, std::size_t max_bytes) {
    if (fd_ < 0 && !open_path(false)) return 0;
    std::size_t total = 0;
    while (total < max_bytes) {
        ssize_t n = ::pread(fd_, buffer_.data(), std::min(buffer_.size(), max_bytes - total), offset_);
        if (n < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (n == 0) {
            if (!check_identity(out)) break;
            continue;
        }
        offset_ += n;
        total += static_cast<std::size_t>(n);
        splitter_.feed(std::string_view(buffer_.data(), static_cast<std::size_t>(n)), out);
    }
    bytes_read_ += total;
    return total;
}

}  // namespace sightline
