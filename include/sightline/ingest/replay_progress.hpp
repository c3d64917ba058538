#pragma once
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "sightline/core/line_batch.hpp"

namespace sightline {

/// How far a file has been replayed, kept in an offset file so that a restart goes on
/// after the last record whose lines all reached their end, and nothing is replayed
/// twice by accident. Records commit in file order: each batch of records gets a
/// receipt (line_batch::receipts), and when the last batch made from it lets go (every
/// line written, dead-lettered or dropped), its records and every earlier batch's are
/// committed and the offset file is rewritten (a temporary file renamed over it).
/// Thread-safe: receipts are let go on any thread.
class replay_progress : public std::enable_shared_from_this<replay_progress> {
public:
    /// What the offset file holds: the file it is about (by device and inode, so a new
    /// file of the same name starts over), the bytes and records committed.
    struct position {
        std::uint64_t device = 0, inode = 0;
        std::uint64_t offset = 0, records = 0;
        bool operator==(const position&) const = default;
    };
    /// The saved position, or nullopt when there is none (or it cannot be read: `error`).
    static std::optional<position> load(const std::string& offset_file, std::string& error);

    replay_progress(std::string offset_file, position start);
    /// A batch whose records end at byte `end_offset` (`records` of them, invalid ones
    /// included): its receipt. Batches are tracked in file order.
    receipt track(std::uint64_t end_offset, std::uint64_t records);
    /// No batch follows: `on_complete` runs once all are committed (now, if they are),
    /// on the thread that commits the last one.
    void finish(std::function<void(const position&)> on_complete);
    /// Committed so far.
    position committed() const;
    /// Records committed by this process (the position's count may start higher, or be
    /// reset once the file was emptied).
    std::uint64_t records_committed_here() const;
    /// Sets the committed position (after the replayed file was emptied) and saves it.
    void reset(position p);
    /// The last error saving the offset file ("" when none).
    std::string save_error() const;

private:
    struct pending {
        std::uint64_t end_offset, records;
        bool done = false;
    };
    void done(std::uint64_t seq);
    void save(const position& p);  // mutex held

    std::string path_;
    mutable std::mutex mutex_;
    position committed_;
    std::uint64_t committed_here_ = 0;
    std::deque<pending> pending_;
    std::uint64_t first_seq_ = 0;  // sequence number of pending_.front()
    std::function<void(const position&)> on_complete_;
    bool finished_ = false;
    std::string save_error_;
};

}  // namespace sightline
