#pragma once
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "sightline/core/line_batch.hpp"
#include "sightline/core/tag_table.hpp"

namespace sightline {

/// When a disk buffer makes what it appended durable (fdatasync).
enum class buffer_sync { none, batch, interval };

/// A sink's disk buffer (README "Buffers"): batches are appended as records
/// (buffer_record) to segment files in one folder, read back in order for delivery, and
/// a segment is deleted once every record in it was acknowledged. Opening the folder
/// finds what a previous run left: whole records are delivered first, in order; a torn
/// tail (a record cut by a crash, or garbled) is cut off and counted.
///
/// Thread-safe: the writer, the reader and acknowledgements (from whatever thread
/// lets a record's receipt go) take one mutex; file I/O is plain POSIX, blocking, for
/// a caller that may block (buffered_input runs it on a blocking thread).
class disk_buffer {
public:
    struct options {
        std::string dir;
        std::uint64_t max_bytes = 256ull * 1024 * 1024;
        buffer_sync sync = buffer_sync::none;
        /// A segment is closed and a new one started past this size.
        std::uint64_t segment_bytes = 32ull * 1024 * 1024;
    };

    /// Where a record is; given back through ack().
    struct ticket {
        std::uint64_t segment = 0;
        std::uint64_t offset = 0;
    };

    /// What a previous run left, found at open().
    struct recovered {
        std::uint64_t records = 0;
        std::uint64_t lines = 0;
        std::uint64_t torn_records = 0;  // tails cut off (each one a record or what was left of it)
        std::uint64_t torn_bytes = 0;
    };

    /// Opens (creating) the folder and scans it; std::runtime_error naming the path
    /// when it cannot be used.
    explicit disk_buffer(options o, const tag_table* tags);
    ~disk_buffer();
    disk_buffer(const disk_buffer&) = delete;
    disk_buffer& operator=(const disk_buffer&) = delete;

    /// Appends `batch` as one record and says where it is; nullopt (nothing written)
    /// when it would pass max_bytes. Throws std::runtime_error when the disk refuses.
    std::optional<ticket> append(const line_batch& batch);
    /// Makes every appended record durable now (sync interval and shutdown).
    void sync();
    /// The oldest record not read yet, decoded, and its ticket; nullopt when every
    /// record was read. A record that cannot be decoded is skipped and counted torn.
    std::optional<std::pair<line_batch, ticket>> read_next();
    /// Marks a record delivered; deletes its segment once all of the segment's are.
    void ack(const ticket& t);

    struct figures {
        std::uint64_t bytes = 0;  // of records not acknowledged yet
        std::uint64_t lines = 0;
        std::uint64_t records = 0;
        std::uint64_t unread_records = 0;
        std::int64_t oldest_received_us = 0;  // 0 when empty
        std::uint64_t torn_records = 0;
        std::uint64_t segments = 0;
    };
    figures stats() const;
    const recovered& found_at_open() const { return recovered_; }
    const options& settings() const { return options_; }

private:
    struct record_meta {
        std::uint64_t offset = 0;
        std::uint32_t bytes = 0;  // header included
        std::uint32_t lines = 0;
        std::int64_t received_us = 0;
        bool acked = false;
    };
    struct segment {
        std::uint64_t seq = 0;
        std::string path;
        int fd = -1;
        std::uint64_t size = 0;
        /// The records not acknowledged yet, from the first one on (the acknowledged
        /// prefix is forgotten: a segment written to for hours keeps no index of it).
        std::deque<record_meta> records;
        std::uint64_t acked = 0;  // of `records`
        bool sealed = false;  // found at open: never written to again
    };

    void scan();
    /// Indexes the whole records of `s` from `delivered_before` on, cutting a torn tail.
    void scan_segment(segment& s, std::uint64_t delivered_before);
    segment& writable();
    void forget_acked_prefix(segment& s);
    void remove_if_done(std::size_t index);
    segment* find(std::uint64_t seq);
    /// Persists where the acknowledged prefix ends (segment, offset), so a restart does
    /// not deliver again what was delivered (acks may come out of order: only the
    /// prefix counts).
    void save_ack_prefix();
    void load_ack_prefix(std::uint64_t& seq, std::uint64_t& offset);

    options options_;
    const tag_table* tags_;
    mutable std::mutex mutex_;
    std::deque<segment> segments_;  // oldest first; the last one is written to
    std::uint64_t next_seq_ = 1;
    // The read position: segment sequence and index of the next record in it.
    std::uint64_t read_seq_ = 0;
    std::size_t read_index_ = 0;
    std::uint64_t bytes_ = 0, lines_ = 0, records_ = 0, unread_ = 0;
    std::uint64_t torn_ = 0;
    int state_fd_ = -1;  // acked.state: "SEQ OFFSET" of the first record not acknowledged
    std::uint64_t saved_seq_ = 0, saved_offset_ = 0;
    recovered recovered_;
    std::string scratch_;
};

}  // namespace sightline
