#include "sightline/sinks/writer_sink.hpp"

#include <algorithm>
#include <boost/json/serialize.hpp>

#include "sightline/core/log.hpp"
#include "sightline/core/log_exit.hpp"
#include "sightline/core/time_format.hpp"
#include "sightline/observe/process_stats.hpp"

namespace sightline {

namespace {
log::rate_limiter& write_error_limiter() {
    static log::rate_limiter limiter(std::chrono::seconds(10), 5);
    return limiter;
}

}  // namespace

writer_sink::writer_sink(net::io_context& ioc, std::string id, std::string type, std::optional<fd_writer> writer,
                         std::chrono::milliseconds flush_interval)
    : sink(ioc, std::move(id), std::move(type)),
      writer_(std::move(writer)),
      path_(writer_ ? writer_->path() : std::string()),
      flush_interval_(flush_interval),
      flush_timer_(strand_),
      io_idle_(strand_) {
    io_idle_.expires_at(net::steady_timer::time_point::max());
    if (writer_) io_ = std::make_unique<net::thread_pool>(1);
}

writer_sink::~writer_sink() {
    if (io_) io_->join();
}

sink_stats writer_sink::stats() const {
    sink_stats s = sink::stats();
    if (!path_.empty()) {
        s.path = path_;
        s.disk_free_bytes = disk_free_bytes(path_);
    }
    return s;
}

void writer_sink::start(std::function<void()> on_done) {
    on_done_ = std::move(on_done);
    net::co_spawn(strand_, [self = self_as<writer_sink>()] { return self->run(); }, log_exit("sinks", id()));
    if (writer_)
        net::co_spawn(strand_, [self = self_as<writer_sink>()] { return self->flush_periodically(); },
                      log_exit("sinks", id() + ".flush"));
}

net::awaitable<void> writer_sink::lock_io() {
    while (io_busy_) co_await io_idle_.async_wait(use_aw_ec);
    io_busy_ = true;
}

bool writer_sink::try_lock_io() {
    if (io_busy_) return false;
    io_busy_ = true;
    return true;
}

void writer_sink::unlock_io() {
    io_busy_ = false;
    io_idle_.cancel();
}

net::awaitable<bool> writer_sink::flush_on_io(fd_writer* w) { co_return w->flush(); }

net::awaitable<bool> writer_sink::reopen_on_io(fd_writer* w) { co_return w->reopen(); }

net::awaitable<void> writer_sink::flush() {
    if (!writer_) co_return;
    metrics.flushes.add();
    if (writer_->lines_buffered() == 0) co_return;  // nothing to hand over: no trip to the I/O thread
    // Counters follow what the writer handed to the kernel during this flush.
    auto failed_before = writer_->lines_failed();
    auto written_before = writer_->lines_written();
    auto bytes_before = writer_->bytes_written();
    auto op = net::co_spawn(io_->get_executor(), flush_on_io(&*writer_), use_aw);
    bool ok = co_await std::move(op);
    metrics.lines.add(writer_->lines_written() - written_before);
    metrics.bytes.add(writer_->bytes_written() - bytes_before);
    metrics.errors.add(writer_->lines_failed() - failed_before);
    if (!ok) {
        log::write_limited(write_error_limiter(), log::level::error, "sinks", "sink_write_failed",
                           {{"sink", id()}, {"error", writer_->last_error()}});
        auto lost = writer_->lines_failed() - failed_before;
        report_error("write failed: " + writer_->last_error() + " (" + std::to_string(lost) + " lines)", "sink_write");
    }
}

void writer_sink::collect_failed() {
    if (!writer_) return;
    auto failed = writer_->take_failed();
    if (failed.empty()) return;
    if (!pending_traces_.empty())
        for (const auto& l : failed.lines) failed_ids_.push_back(l.line_id);
    std::string error = "write failed: " + writer_->last_error();
    // Which receipts the failed lines had is not kept: the dead-letter batch holds all
    // that wait here, so none is released before the dead letter wrote its lines.
    failed.receipts = pending_receipts_;
    for (std::size_t i = 0; i < failed.size(); ++i) dead_letter_line(failed, i, "sink_write", error);
}

void writer_sink::release_receipts() {
    if (pending_receipts_.empty() || (writer_ && writer_->lines_buffered() > 0)) return;
    pending_receipts_.clear();
}

void writer_sink::finish_traces() {
    if (pending_traces_.empty() || (writer_ && writer_->lines_buffered() > 0)) return;
    std::sort(failed_ids_.begin(), failed_ids_.end());
    auto now = unix_us(std::chrono::system_clock::now());
    std::string error = writer_ ? "write failed: " + writer_->last_error() : std::string();
    for (auto& t : pending_traces_) {
        if (std::binary_search(failed_ids_.begin(), failed_ids_.end(), t->line_id)) {
            t->add_at(now, id(), "error", 0, {}, error);
            t->outcome = "error";
            t->outcome_detail = error;
        } else {
            t->outcome = id();
        }
    }
    if (traces_) traces_->add(std::move(pending_traces_));
    pending_traces_.clear();
    failed_ids_.clear();
}

void writer_sink::reopen() {
    net::co_spawn(strand_, [self = self_as<writer_sink>()] { return self->reopen_now(); }, log_exit("sinks", id() + ".reopen"));
}

net::awaitable<void> writer_sink::reopen_now() {
    if (!writer_) co_return;
    co_await lock_io();
    co_await flush();
    auto op = net::co_spawn(io_->get_executor(), reopen_on_io(&*writer_), use_aw);
    bool ok = co_await std::move(op);
    unlock_io();
    collect_failed();
    log::write(ok ? log::level::info : log::level::error, "sinks", ok ? "sink_reopened" : "sink_reopen_failed", {{"sink", id()}});
}

net::awaitable<void> writer_sink::flush_periodically() {
    while (!finished_) {
        flush_timer_.expires_after(flush_interval_);
        auto [ec] = co_await flush_timer_.async_wait(use_aw_ec);
        if (ec || finished_) break;
        // Busy (a write in progress, maybe stalled): the next tick tries again.
        if (!try_lock_io()) continue;
        co_await flush();
        unlock_io();
        collect_failed();
        finish_traces();
        release_receipts();
        // Never wait here (run() owns the waiting sends): if the dead letter is full now,
        // run() sends these with its next batch or at the end.
        try_send_dead_letters();
    }
}

net::awaitable<void> writer_sink::run() {
    for (;;) {
        auto batch = co_await next_batch();
        if (!batch) break;
        if (traces_ && !batch->traces.empty()) {
            // Finished once their bytes have left the buffer (finish_traces): a write can
            // still fail, and then the line's outcome is the error, not this sink.
            pending_traces_.reserve(pending_traces_.size() + batch->traces.size());
            auto now = unix_us(std::chrono::system_clock::now());  // one reading per batch
            auto& traces = batch->traces;
            for (std::size_t k = 0; k < traces.size(); ++k) {
                auto& t = traces[k];
                if (k + 16 < traces.size()) traces[k + 16].record->prefetch();  // out of cache since the last stage
                t.record->add_at(now, id(), "sink");
                pending_traces_.push_back(std::move(t.record));
            }
        }
        if (!batch->receipts.empty()) {
            for (auto& r : batch->receipts)
                if (pending_receipts_.empty() || pending_receipts_.back() != r) pending_receipts_.push_back(std::move(r));
            batch->receipts.clear();
        }
        if (!writer_) {
            metrics.lines.add(batch->size());
            metrics.bytes.add(batch->content_bytes() + batch->size());
            finish_traces();
            release_receipts();
            continue;
        }
        co_await lock_io();
        if (format_.is_raw()) {
            writer_->append(*batch);
        } else {
            const line_batch& in = *batch;
            writer_->append_each(in, [&](std::size_t i, std::string& buffer) { format_.format_line(in, i, buffer); });
        }
        if (writer_->full()) co_await flush();
        unlock_io();
        collect_failed();
        finish_traces();
        release_receipts();
        co_await send_dead_letters();
    }
    finished_ = true;  // from here the flush timer does nothing: the last sends are run()'s
    flush_timer_.cancel();
    if (writer_) {
        co_await lock_io();
        co_await flush();
        unlock_io();
    }
    collect_failed();
    finish_traces();
    release_receipts();
    co_await finish();
}

}  // namespace sightline
