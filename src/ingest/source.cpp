#include "sightline/ingest/source.hpp"

#include "sightline/core/log.hpp"
#include "sightline/core/time_format.hpp"

namespace sightline {

source_stats source::stats() const {
    source_stats s;
    s.id = id_;
    s.type = type_;
    read_counters(metrics, s);
    s.listens = listens();
    s.running = running();
    s.paused = paused();
    s.paused_ms_total = paused_ms_total();
    add_stats(s);
    return s;
}

double source::paused_ms_total() const {
    auto total = paused_ns_total_.load(std::memory_order_relaxed);
    if (paused()) {
        std::lock_guard lock(pause_mutex_);
        if (paused_at_ != std::chrono::steady_clock::time_point{})
            total += std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - paused_at_).count();
    }
    return static_cast<double>(total) / 1e6;
}

net::awaitable<void> source::end_stream(line_batch last) {
    if (!last.empty()) {
        metrics.lines.add(last.size());
        co_await deliver(std::move(last));
    }
    co_await outputs_.end();
    if (on_done_) on_done_();
}

void source::stamp(line_batch& batch) const {
    // One id reservation and one clock reading per batch.
    auto id = next_line_ids(batch.size());
    for (auto& l : batch.lines)
        if (l.line_id == 0) l.line_id = id++;
    batch.source = id_;
    if (batch.received_us == 0) batch.received_us = unix_us(std::chrono::system_clock::now());
}

net::awaitable<void> source::deliver(line_batch batch) {
    stamp(batch);
    if (batch.traces.empty()) sample(batch);  // lines traced upstream (another Sightline) are traced already
    // Held until the batch is queued: a reload that rewires this source ends the old
    // targets' streams only after it.
    auto wiring = outputs_.current();
    if (!wiring) {  // the stream has ended: nothing may send after end_stream
        log::write(log::level::error, "ingest", "sent_after_end", {{"source", id_}, {"lines", batch.size()}});
        co_return;
    }
    bool full = false;
    for (auto* t : wiring->targets())
        if (t->queued() >= t->capacity()) full = true;
    if (!full) {
        // The common case: room everywhere, no bookkeeping.
        co_await send_to_port(*wiring, 0, std::move(batch));
        co_return;
    }
    {
        std::lock_guard lock(pause_mutex_);
        if (waiting_.fetch_add(1) == 0) {
            paused_at_ = std::chrono::steady_clock::now();
            log::write_limited(pause_log_, log::level::info, "ingest", "source_paused",
                               {{"source", id_}, {"reason", "pipeline full"}});
        }
    }
    co_await send_to_port(*wiring, 0, std::move(batch));
    wiring.reset();
    std::lock_guard lock(pause_mutex_);
    if (waiting_.fetch_sub(1) == 1) {
        auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - paused_at_).count();
        paused_ns_total_ += ns;
        paused_at_ = {};
        log::write_limited(pause_log_, log::level::info, "ingest", "source_resumed",
                           {{"source", id_}, {"paused_ms", static_cast<double>(ns) / 1e6}});
    }
}

}  // namespace sightline
