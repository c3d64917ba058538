#include "sightline/sinks/disk_buffer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "sightline/core/log.hpp"
#include "sightline/sinks/buffer_record.hpp"

namespace sightline {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view prefix = "segment-";
constexpr std::string_view suffix = ".slb";

std::string segment_name(std::uint64_t seq) {
    char name[64];
    std::snprintf(name, sizeof name, "segment-%020llu.slb", static_cast<unsigned long long>(seq));
    return name;
}

std::string errno_text(const std::string& what) { return what + ": " + std::strerror(errno); }

/// Reads `n` bytes at `offset`; false on a short read or an error.
bool read_at(int fd, std::uint64_t offset, std::size_t n, std::string& out) {
    out.resize(n);
    std::size_t done = 0;
    while (done < n) {
        auto r = ::pread(fd, out.data() + done, n - done, static_cast<off_t>(offset + done));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return false;
        done += static_cast<std::size_t>(r);
    }
    return true;
}

bool write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        auto w = ::write(fd, data.data(), data.size());
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return false;
        data.remove_prefix(static_cast<std::size_t>(w));
    }
    return true;
}

}  // namespace

disk_buffer::disk_buffer(options o, const tag_table* tags) : options_(std::move(o)), tags_(tags) {
    std::error_code ec;
    fs::create_directories(options_.dir, ec);
    if (ec) throw std::runtime_error("cannot create buffer folder " + options_.dir + ": " + ec.message());
    scan();
}

disk_buffer::~disk_buffer() {
    for (auto& s : segments_)
        if (s.fd >= 0) ::close(s.fd);
    if (state_fd_ >= 0) ::close(state_fd_);
}

void disk_buffer::load_ack_prefix(std::uint64_t& seq, std::uint64_t& offset) {
    auto path = (fs::path(options_.dir) / "acked.state").string();
    state_fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (state_fd_ < 0) throw std::runtime_error(errno_text("cannot open " + path));
    std::string text;
    seq = offset = 0;
    if (read_at(state_fd_, 0, 41, text)) {
        unsigned long long a = 0, b = 0;
        if (std::sscanf(text.c_str(), "%20llu %20llu", &a, &b) == 2) {
            seq = a;
            offset = b;
        }
    }
    saved_seq_ = seq;
    saved_offset_ = offset;
}

void disk_buffer::save_ack_prefix() {
    std::uint64_t seq = 0, offset = 0;
    if (!segments_.empty()) {
        const auto& s = segments_.front();
        auto it = std::find_if(s.records.begin(), s.records.end(), [](const record_meta& m) { return !m.acked; });
        seq = s.seq;
        offset = it == s.records.end() ? s.size : it->offset;
    } else {
        seq = next_seq_;
    }
    if (seq == saved_seq_ && offset == saved_offset_) return;
    char text[48];
    std::snprintf(text, sizeof text, "%020llu %020llu\n", static_cast<unsigned long long>(seq),
                  static_cast<unsigned long long>(offset));
    // One small write in place: a torn one reads as no state (everything delivered again).
    if (::pwrite(state_fd_, text, 42, 0) == 42) {
        saved_seq_ = seq;
        saved_offset_ = offset;
    }
}

void disk_buffer::scan() {
    std::uint64_t acked_seq = 0, acked_offset = 0;
    load_ack_prefix(acked_seq, acked_offset);
    std::vector<std::uint64_t> seqs;
    for (const auto& entry : fs::directory_iterator(options_.dir)) {
        auto name = entry.path().filename().string();
        if (name.size() != prefix.size() + 20 + suffix.size() || name.rfind(prefix, 0) != 0 ||
            name.substr(name.size() - suffix.size()) != suffix)
            continue;
        seqs.push_back(std::stoull(name.substr(prefix.size(), 20)));
    }
    std::sort(seqs.begin(), seqs.end());
    for (auto seq : seqs) {
        segment s;
        s.seq = seq;
        s.sealed = true;
        s.path = (fs::path(options_.dir) / segment_name(seq)).string();
        next_seq_ = seq + 1;
        if (seq < acked_seq) {  // delivered before the previous run ended
            ::unlink(s.path.c_str());
            continue;
        }
        s.fd = ::open(s.path.c_str(), O_RDWR | O_CLOEXEC);
        if (s.fd < 0) throw std::runtime_error(errno_text("cannot open buffer segment " + s.path));
        scan_segment(s, seq == acked_seq ? acked_offset : 0);
        if (s.records.empty()) {
            ::close(s.fd);
            ::unlink(s.path.c_str());
            continue;
        }
        segments_.push_back(std::move(s));
    }
    if (!segments_.empty()) read_seq_ = segments_.front().seq;
    recovered_.records = records_;
    recovered_.lines = lines_;
    recovered_.torn_records = torn_;
}

void disk_buffer::scan_segment(segment& s, std::uint64_t delivered_before) {
    struct stat st {};
    ::fstat(s.fd, &st);
    const auto file_size = static_cast<std::uint64_t>(st.st_size);
    std::uint64_t at = 0;
    std::string head, payload;
    while (at < file_size) {
        auto left = file_size - at;
        read_at(s.fd, at, static_cast<std::size_t>(std::min<std::uint64_t>(left, buffer_record::header_bytes)), head);
        std::uint32_t length = 0, crc = 0;
        auto state = buffer_record::read_header(head, length, crc);
        if (state == buffer_record::header_state::whole || state == buffer_record::header_state::incomplete) {
            if (state == buffer_record::header_state::whole && left >= buffer_record::header_bytes + length &&
                read_at(s.fd, at + buffer_record::header_bytes, length, payload) && buffer_record::check(payload, crc)) {
                record_meta m;
                m.offset = at;
                m.bytes = static_cast<std::uint32_t>(buffer_record::header_bytes + length);
                m.lines = buffer_record::line_count(payload);
                line_batch probe;  // the receive time, for the oldest line's age
                if (buffer_record::decode(payload, tags_, probe)) m.received_us = probe.received_us;
                at += m.bytes;
                if (m.offset < delivered_before) continue;  // acknowledged in the previous run
                s.records.push_back(m);
                bytes_ += m.bytes;
                lines_ += m.lines;
                ++records_;
                ++unread_;
                continue;
            }
        }
        // A torn or garbled tail: cut the segment at the last whole record.
        ++torn_;
        recovered_.torn_bytes += file_size - at;
        log::write(log::level::warn, "sinks", "buffer_torn_tail",
                   {{"segment", s.path}, {"offset", at}, {"bytes", file_size - at}});
        if (::ftruncate(s.fd, static_cast<off_t>(at)) != 0)
            throw std::runtime_error(errno_text("cannot cut the torn tail of " + s.path));
        break;
    }
    s.size = at;
}

disk_buffer::segment& disk_buffer::writable() {
    if (segments_.empty() || segments_.back().sealed || segments_.back().size >= options_.segment_bytes) {
        segment s;
        s.seq = next_seq_++;
        s.path = (fs::path(options_.dir) / segment_name(s.seq)).string();
        s.fd = ::open(s.path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
        if (s.fd < 0) throw std::runtime_error(errno_text("cannot create buffer segment " + s.path));
        if (segments_.empty()) {
            read_seq_ = s.seq;
            read_index_ = 0;
        }
        segments_.push_back(std::move(s));
        // The one written to before may be all delivered already.
        if (segments_.size() >= 2) remove_if_done(segments_.size() - 2);
    }
    return segments_.back();
}

std::optional<disk_buffer::ticket> disk_buffer::append(const line_batch& batch) {
    std::lock_guard lock(mutex_);
    scratch_.clear();
    buffer_record::encode(batch, tags_, scratch_);
    // One record alone may pass max_bytes (a buffer is never too small for a batch).
    if (bytes_ > 0 && bytes_ + scratch_.size() > options_.max_bytes) return std::nullopt;
    auto& s = writable();
    if (!write_all(s.fd, scratch_)) {
        // Leave no partial record behind: the next scan would count it torn.
        auto saved = errno;
        if (::ftruncate(s.fd, static_cast<off_t>(s.size)) != 0) {}
        errno = saved;
        throw std::runtime_error(errno_text("cannot write buffer segment " + s.path));
    }
    if (options_.sync == buffer_sync::batch && ::fdatasync(s.fd) != 0)
        throw std::runtime_error(errno_text("cannot sync buffer segment " + s.path));
    record_meta m;
    m.offset = s.size;
    m.bytes = static_cast<std::uint32_t>(scratch_.size());
    m.lines = static_cast<std::uint32_t>(batch.size());
    m.received_us = batch.received_us;
    s.records.push_back(m);
    s.size += m.bytes;
    bytes_ += m.bytes;
    lines_ += m.lines;
    ++records_;
    ++unread_;
    return ticket{s.seq, m.offset};
}

void disk_buffer::sync() {
    std::lock_guard lock(mutex_);
    if (!segments_.empty()) ::fdatasync(segments_.back().fd);
}

disk_buffer::segment* disk_buffer::find(std::uint64_t seq) {
    for (auto& s : segments_)
        if (s.seq == seq) return &s;
    return nullptr;
}

std::optional<std::pair<line_batch, disk_buffer::ticket>> disk_buffer::read_next() {
    std::lock_guard lock(mutex_);
    while (unread_ > 0) {
        auto* s = find(read_seq_);
        if (!s) {
            // The segment read from is gone (all acknowledged): on to the next one.
            auto it = std::find_if(segments_.begin(), segments_.end(), [&](const segment& x) { return x.seq > read_seq_; });
            if (it == segments_.end()) return std::nullopt;
            read_seq_ = it->seq;
            read_index_ = 0;
            continue;
        }
        if (read_index_ >= s->records.size()) {
            auto it = std::find_if(segments_.begin(), segments_.end(), [&](const segment& x) { return x.seq > read_seq_; });
            if (it == segments_.end()) return std::nullopt;
            read_seq_ = it->seq;
            read_index_ = 0;
            continue;
        }
        const auto m = s->records[read_index_];
        ticket t{s->seq, m.offset};
        ++read_index_;
        --unread_;
        std::string bytes;
        line_batch batch;
        if (read_at(s->fd, m.offset, m.bytes, bytes) &&
            buffer_record::decode(std::string_view(bytes).substr(buffer_record::header_bytes), tags_, batch))
            return std::make_pair(std::move(batch), t);
        // Garbled since it was checked (the disk): skip it, counted, and let it go.
        ++torn_;
        log::write(log::level::error, "sinks", "buffer_record_unreadable", {{"segment", s->path}, {"offset", m.offset}});
        auto& r = s->records[read_index_ - 1];
        r.acked = true;
        ++s->acked;
        bytes_ -= r.bytes;
        lines_ -= r.lines;
        --records_;
        forget_acked_prefix(*s);
    }
    return std::nullopt;
}

void disk_buffer::ack(const ticket& t) {
    std::lock_guard lock(mutex_);
    for (std::size_t k = 0; k < segments_.size(); ++k) {
        auto& s = segments_[k];
        if (s.seq != t.segment) continue;
        auto it = std::lower_bound(s.records.begin(), s.records.end(), t.offset,
                                   [](const record_meta& m, std::uint64_t off) { return m.offset < off; });
        if (it == s.records.end() || it->offset != t.offset || it->acked) return;
        it->acked = true;
        ++s.acked;
        bytes_ -= it->bytes;
        lines_ -= it->lines;
        --records_;
        forget_acked_prefix(s);
        remove_if_done(k);
        save_ack_prefix();
        return;
    }
}

void disk_buffer::forget_acked_prefix(segment& s) {
    // Records are read in order and acknowledged after being read, so the acknowledged
    // prefix lies before the read position: the index into the read segment moves back.
    while (!s.records.empty() && s.records.front().acked) {
        s.records.pop_front();
        --s.acked;
        if (s.seq == read_seq_ && read_index_ > 0) --read_index_;
    }
}

void disk_buffer::remove_if_done(std::size_t index) {
    auto& s = segments_[index];
    bool last = index + 1 == segments_.size();
    // The segment written to stays until a newer one takes over.
    if (s.acked < s.records.size() || (last && !s.sealed)) return;
    ::close(s.fd);
    ::unlink(s.path.c_str());
    segments_.erase(segments_.begin() + static_cast<std::ptrdiff_t>(index));
}

disk_buffer::figures disk_buffer::stats() const {
    std::lock_guard lock(mutex_);
    figures f;
    f.bytes = bytes_;
    f.lines = lines_;
    f.records = records_;
    f.unread_records = unread_;
    f.torn_records = torn_;
    f.segments = segments_.size();
    for (const auto& s : segments_) {
        auto it = std::find_if(s.records.begin(), s.records.end(), [](const record_meta& m) { return !m.acked; });
        if (it != s.records.end()) {
            f.oldest_received_us = it->received_us;
            break;
        }
    }
    return f;
}

}  // namespace sightline
