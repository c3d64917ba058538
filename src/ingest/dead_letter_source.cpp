#include "sightline/ingest/dead_letter_source.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "sightline/core/dead_letter_record.hpp"
#include "sightline/core/log_exit.hpp"
#include "sightline/core/time_format.hpp"
#include "sightline/ingest/source_descriptor.hpp"

namespace sightline {

namespace {
constexpr std::size_t dead_letter_read_chunk = 256 * 1024;
}

dead_letter_source::dead_letter_source(net::io_context& ioc, std::string id, dead_letter_replay_config cfg)
    : source(std::move(id), "dead_letter"), strand_(net::make_strand(ioc)), cfg_(std::move(cfg)) {
    if (cfg_.offset_file.empty()) cfg_.offset_file = cfg_.path + ".offset";
    fd_ = ::open(cfg_.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw std::runtime_error("cannot read dead-letter file " + cfg_.path + ": " + std::strerror(errno));
    struct stat st{};
    if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd_);
        throw std::runtime_error("cannot read dead-letter file " + cfg_.path + ": not a regular file");
    }
    start_ = {static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino), 0, 0};
    std::string error;
    auto saved = replay_progress::load(cfg_.offset_file, error);
    if (!error.empty())
        log::write(log::level::warn, "ingest", "replay_offset_unreadable", {{"source", this->id()}, {"error", error}});
    if (saved && saved->device == start_.device && saved->inode == start_.inode &&
        saved->offset <= static_cast<std::uint64_t>(st.st_size)) {
        start_ = *saved;  // go on after the last committed record
    } else if (saved) {
        // Another file under that name, or this one truncated: replay it from its start.
        log::write(log::level::info, "ingest", "replay_restarted",
                   {{"source", this->id()}, {"path", cfg_.path}, {"reason", "the file is not the one the offset file is about"}});
    }
    progress_ = std::make_shared<replay_progress>(cfg_.offset_file, start_);
}

dead_letter_source::~dead_letter_source() {
    if (fd_ >= 0) ::close(fd_);
}

void dead_letter_source::start(std::function<void()> on_done) {
    on_done_ = std::move(on_done);
    net::co_spawn(strand_, [self = shared_from_this()] { return self->run(); }, log_exit("ingest", id()));
}

void dead_letter_source::add_stats(source_stats& s) const {
    auto c = progress_->committed();
    s.figures = {{"records_read", records_read_.load()},
                 {"records_invalid", records_invalid_.load()},
                 {"records_replayed", progress_->records_committed_here()},
                 {"offset_committed", c.offset}};
}

void dead_letter_source::take_record(std::string_view text, std::uint64_t record, line_batch& batch,
                                     std::vector<std::string>& notes) {
    ++records_read_;
    std::string error;
    auto e = text.size() > cfg_.max_record_bytes
                 ? std::nullopt
                 : parse_dead_letter_record(text, error);
    if (!e) {
        if (error.empty()) error = "longer than max_record_bytes";
        ++records_invalid_;
        metrics.errors.add();
        log::write_limited(invalid_log_, log::level::warn, "ingest", "dead_letter_record_invalid",
                           {{"source", id()}, {"path", cfg_.path}, {"record", record}, {"error", error}});
        return;
    }
    batch.append(e->line);
    if (e->line_id) batch.lines.back().line_id = *e->line_id;
    metrics.bytes.add(e->line.size() + 1);
    notes.push_back("record " + std::to_string(record) + " of " + cfg_.path + ": failed at " + e->stage + " (" +
                    e->error_type + ": " + e->error + ") at " + e->timestamp);
}

net::awaitable<void> dead_letter_source::send(line_batch batch, std::vector<std::string> notes, std::uint64_t end_offset,
                                              std::uint64_t records) {
    auto r = progress_->track(end_offset, records);
    if (batch.empty()) co_return;  // only invalid records: committed as r goes
    batch.receipts.push_back(std::move(r));
    stamp(batch);
    sample(batch);
    if (!batch.traces.empty()) {
        auto now = unix_us(std::chrono::system_clock::now());
        for (auto& t : batch.traces) t.record->add_at(now, id(), "replayed", 0, {}, notes.at(t.index));
    }
    metrics.lines.add(batch.size());
    co_await deliver(std::move(batch));
}

net::awaitable<void> dead_letter_source::run() {
    auto offset = start_.offset;       // end of the last complete record taken
    auto record = start_.records;      // records before it
    std::string buffer;                // bytes read after `offset`
    bool skipping = false;             // inside a record longer than max_record_bytes
    bool eof = false;
    line_batch batch;
    std::vector<std::string> notes;
    std::uint64_t batch_records = 0;
    while (!eof && !stop_requested_) {
        auto old = buffer.size();
        buffer.resize(old + dead_letter_read_chunk);
        auto n = ::pread(fd_, buffer.data() + old, dead_letter_read_chunk, static_cast<off_t>(offset + old));
        if (n < 0 && errno == EINTR) {
            buffer.resize(old);
            continue;
        }
        if (n < 0) {
            log::write(log::level::error, "ingest", "read_failed", {{"source", id()}, {"path", cfg_.path}, {"error", std::strerror(errno)}});
            buffer.resize(old);
            break;
        }
        buffer.resize(old + static_cast<std::size_t>(n));
        eof = n == 0;
        std::size_t from = 0;
        for (;;) {
            auto nl = buffer.find('\n', from);
            if (nl == std::string::npos) break;
            ++record;
            ++batch_records;
            if (skipping) {
                skipping = false;  // counted when it began
            } else if (nl > from) {
                take_record(std::string_view(buffer).substr(from, nl - from), record, batch, notes);
            }
            from = nl + 1;
            if (batch_records >= cfg_.batch_records) {
                co_await send(std::move(batch), std::move(notes), offset + from, batch_records);
                batch = line_batch{};
                notes.clear();
                batch_records = 0;
            }
        }
        offset += from;
        buffer.erase(0, from);
        if (!skipping && buffer.size() > cfg_.max_record_bytes) {
            // Far too long to be a record: counted once, skipped to its newline.
            ++records_invalid_;
            ++records_read_;
            metrics.errors.add();
            log::write_limited(invalid_log_, log::level::warn, "ingest", "dead_letter_record_invalid",
                               {{"source", id()}, {"path", cfg_.path}, {"record", record + 1}, {"error", "longer than max_record_bytes"}});
            skipping = true;
        }
        if (skipping) {
            offset += buffer.size();
            buffer.clear();
        }
    }
    co_await send(std::move(batch), std::move(notes), offset, batch_records);
    bool partial_tail = !buffer.empty() || skipping;
    if (partial_tail)
        log::write(log::level::warn, "ingest", "dead_letter_partial_record",
                   {{"source", id()}, {"path", cfg_.path}, {"bytes", buffer.size()}, {"note", "left in the file: no newline yet"}});
    progress_->finish([cfg = cfg_, id = id(), invalid = records_invalid_.load(), partial_tail, progress = progress_](
                          const replay_progress::position& done) { complete(cfg, id, invalid, partial_tail, progress, done); });
    line_batch none;  // named: g++ 12 destroys a temporary of a co_await expression twice
    co_await end_stream(std::move(none));
}

void dead_letter_source::complete(const dead_letter_replay_config& cfg, const std::string& id, std::uint64_t invalid,
                                  bool partial_tail, const std::shared_ptr<replay_progress>& progress,
                                  const replay_progress::position& done) {
    bool removed = false;
    std::string why_kept;
    if (cfg.remove_replayed) {
        // Emptied only when everything in it was replayed: invalid records stay, and so
        // does a file someone appended to meanwhile.
        struct stat st{};
        int fd = invalid || partial_tail ? -1 : ::open(cfg.path.c_str(), O_WRONLY | O_CLOEXEC);
        if (invalid || partial_tail)
            why_kept = invalid ? "it holds invalid records" : "it ends in a partial record";
        else if (fd < 0 || ::fstat(fd, &st) != 0)
            why_kept = std::string("cannot open it: ") + std::strerror(errno);
        else if (static_cast<std::uint64_t>(st.st_ino) != done.inode || static_cast<std::uint64_t>(st.st_size) != done.offset)
            why_kept = "it changed while it was replayed";
        else if (::ftruncate(fd, 0) != 0)
            why_kept = std::string("cannot truncate it: ") + std::strerror(errno);
        else
            removed = true;
        if (fd >= 0) ::close(fd);
        if (removed) progress->reset({done.device, done.inode, 0, 0});
    }
    boost::json::object f{{"source", id}, {"path", cfg.path}, {"records", done.records}, {"invalid", invalid}, {"removed", removed}};
    if (!why_kept.empty()) f["kept_because"] = why_kept;
    if (auto e = progress->save_error(); !e.empty()) f["offset_file_error"] = e;
    log::write(log::level::info, "ingest", "dead_letter_replayed", f);
}

source_descriptor dead_letter_source_descriptor() {
    source_descriptor d;
    d.schema = {"dead_letter",
                "Replays a dead-letter file: each record's original line, under its original line_id, once; "
                "progress is kept in an offset file.",
                {{.name = "path", .type = param_type::string, .doc = "The dead-letter file to replay.", .required = true},
                 {.name = "offset_file", .type = param_type::string,
                  .doc = "Where the replay's progress is kept (default: path + \".offset\")."},
                 {.name = "remove_replayed", .type = param_type::boolean, .default_value = false,
                  .doc = "Empty the file once every record in it was replayed and reached its end."},
                 {.name = "batch_records", .type = param_type::integer, .default_value = 1024,
                  .doc = "Records per batch (and per offset commit).", .min = 1, .max = 65536},
                 {.name = "max_record_bytes", .type = param_type::integer, .default_value = 4 << 20,
                  .doc = "Longer records are counted invalid and skipped.", .min = 64, .max = 1 << 30}}};
    d.check = [](const boost::json::object& params, const std::string& path, problems& found) {
        if (params.at("path").as_string().empty()) found.add(path_join(path, "path"), "must not be empty");
    };
    d.create = [](net::io_context& ioc, const component_config& c) -> std::shared_ptr<source> {
        dead_letter_replay_config r;
        r.path = std::string(c.params.at("path").as_string());
        if (const auto* o = c.params.if_contains("offset_file")) r.offset_file = std::string(o->as_string());
        r.remove_replayed = c.params.at("remove_replayed").as_bool();
        r.batch_records = static_cast<std::size_t>(c.params.at("batch_records").to_number<std::int64_t>());
        r.max_record_bytes = static_cast<std::size_t>(c.params.at("max_record_bytes").to_number<std::int64_t>());
        return std::make_shared<dead_letter_source>(ioc, c.id, std::move(r));
    };
    return d;
}

}  // namespace sightline
