#pragma once
#include <atomic>
#include <memory>
#include <string>

#include "sightline/core/log.hpp"
#include "sightline/core/net.hpp"
#include "sightline/ingest/replay_progress.hpp"
#include "sightline/ingest/source.hpp"

namespace sightline {

/// What a `dead_letter` source reads and how (README "Replaying the dead letter").
struct dead_letter_replay_config {
    std::string path;
    std::string offset_file;  // empty: path + ".offset"
    bool remove_replayed = false;
    std::size_t batch_records = 1024;
    std::size_t max_record_bytes = 4 << 20;
};

/// Replays a dead-letter file: each record's original bytes (line_base64 when the line
/// was not UTF-8) go through the pipeline again under their original line_id, and each
/// traced line's path starts with a `replayed` step naming its record. Reads the file
/// once from where the offset file says the last replay got to, and commits records as
/// their lines reach their end (replay_progress). Records that cannot be read back are
/// counted (errors, records_invalid) and logged, and stay in the file.
class dead_letter_source : public source, public std::enable_shared_from_this<dead_letter_source> {
public:
    /// Opens the file now (std::runtime_error naming it when it cannot be read).
    dead_letter_source(net::io_context& ioc, std::string id, dead_letter_replay_config cfg);
    ~dead_letter_source() override;

    void start(std::function<void()> on_done) override;
    void stop() override { stop_requested_ = true; }
    bool finite() const override { return true; }

protected:
    void add_stats(source_stats& s) const override;

private:
    net::awaitable<void> run();
    /// Adds record `text` (number `record`) to `batch`, or counts it invalid.
    void take_record(std::string_view text, std::uint64_t record, line_batch& batch, std::vector<std::string>& notes);
    /// Stamps, samples and notes the replay in each trace, then sends with its receipt.
    net::awaitable<void> send(line_batch batch, std::vector<std::string> notes, std::uint64_t end_offset,
                              std::uint64_t records);
    /// After the last commit: logs the replay and empties the file if asked.
    static void complete(const dead_letter_replay_config& cfg, const std::string& id, std::uint64_t invalid,
                         bool partial_tail, const std::shared_ptr<replay_progress>& progress,
                         const replay_progress::position& done);

    net::strand<net::io_context::executor_type> strand_;
    dead_letter_replay_config cfg_;
    int fd_ = -1;
    replay_progress::position start_;
    std::shared_ptr<replay_progress> progress_;
    std::atomic<bool> stop_requested_{false};
    std::atomic<std::uint64_t> records_read_{0};
    std::atomic<std::uint64_t> records_invalid_{0};
    log::rate_limiter invalid_log_{std::chrono::seconds(10), 5};
};

}  // namespace sightline
