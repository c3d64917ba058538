#include "sightline/pipeline/stage.hpp"

#include "sightline/core/dead_letter_record.hpp"

#include <algorithm>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <map>

#include "sightline/core/log_exit.hpp"
#include "sightline/core/time_format.hpp"

namespace sightline {

stage::stage(net::io_context& ioc, stage_options o)
    : batch_consumer(ioc.get_executor(), o.id),
      strand_(net::make_strand(ioc)),
      type_(std::move(o.type)),
      processor_(std::move(o.proc)),
      runner_(o.port_routes.size(), o.id, o.port_routes),
      outputs_(o.port_routes.size()),
      retry_(o.retry) {
    if (o.circuit) breaker_.emplace(*o.circuit);
}

stage_stats stage::stats() const {
    stage_stats s;
    s.id = id();
    s.type = type_;
    read_counters(metrics, s);
    s.retry_pending = retry_pending();
    if (breaker_) s.circuit = circuit_stats{std::string(to_string(breaker_->current())), breaker_->opens(), breaker_->transitions()};
    s.queued_batches = queued();
    s.queue_capacity = capacity();
    return s;
}

void stage::start() {
    net::co_spawn(strand_, [self = shared_from_this()] { return self->run(); }, log_exit("pipeline.stage", id()));
}

line_batch stage::dead_letter_batch(const std::vector<failed_line>& failures, std::vector<receipt> receipts) const {
    line_batch b;
    b.receipts = std::move(receipts);
    auto now = format_rfc3339(std::chrono::system_clock::now());
    for (const auto& f : failures)
        b.append(dead_letter_record(now, id(), f.error_type, f.message, f.line,
                                    f.line_id ? std::optional<std::uint64_t>(f.line_id) : std::nullopt));
    return b;
}

net::awaitable<void> stage::run() {
    for (;;) {
        auto batch = co_await next_batch();
        if (!batch) break;
        metrics.lines_in.add(batch->size());
        co_await handle(std::move(*batch), 1);
    }
    // Lines waiting for a retry are still ours: end the stream only after them.
    net::steady_timer wait(strand_);
    while (retry_pending_.load() > 0) {
        wait.expires_after(std::chrono::milliseconds(5));
        co_await wait.async_wait(use_aw_ec);
    }
    co_await outputs_.end();
    if (dead_letter_) co_await dead_letter_->send(line_batch::eos());
    finished_ = true;
}

net::awaitable<void> stage::handle(line_batch batch, unsigned attempt) {
    const auto n = batch.size();
    if (breaker_ && !breaker_->allow(std::chrono::steady_clock::now())) {
        // Open circuit: the processor is not bothered; every line goes to the dead letter.
        std::vector<failed_line> refused;
        refused.reserve(n);
        auto next_trace = batch.traces.begin();
        for (std::size_t i = 0; i < n; ++i) {
            failed_line f{std::string(batch.text(i)), "circuit open", "circuit_open", batch.lines[i].tag, batch.lines[i].line_id, nullptr};
            if (next_trace != batch.traces.end() && next_trace->index == i) {
                f.trace = std::move(next_trace->record);
                f.trace->add(id(), "error", 0, {}, "circuit open");
                ++next_trace;
            }
            refused.push_back(std::move(f));
        }
        co_await fail_for_good(std::move(refused), std::move(batch.receipts));
        co_return;
    }
    // The dead-lettered lines keep their source's receipts until they are written.
    std::vector<receipt> receipts = batch.receipts;
    batch_result result;  // local: retries interleave with fresh batches on the strand
    auto t0 = std::chrono::steady_clock::now();
    runner_.run(*processor_, std::move(batch), result);
    auto t1 = std::chrono::steady_clock::now();
    auto ns = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
    metrics.busy_ns.add(ns);
    metrics.batches.add();
    if (n) metrics.latency.record(ns / n, n);
    metrics.lines_out.add(result.lines_out);
    for (std::size_t r = 0; r < drop_reason_count; ++r) metrics.dropped[r].add(result.dropped[r]);
    if (breaker_) {
        auto before = breaker_->current();
        breaker_->record(t1, result.failures.size());
        if (breaker_->current() != before)
            log::write(breaker_->current() == circuit_breaker::state::open ? log::level::warn : log::level::info,
                       "pipeline.stage", "circuit_changed",
                       {{"stage", id()}, {"from", to_string(before)}, {"to", to_string(breaker_->current())}});
    }
    if (traces_ && !result.finished_traces.empty()) traces_->add(std::move(result.finished_traces));
    record_parse_failures(result);

    // The wiring of now (a reload may have replaced it), held until every port is sent.
    auto wiring = outputs_.current();
    for (std::size_t p = 0; wiring && p < wiring->ports(); ++p) {
        if (result.ports[p].empty()) continue;
        co_await send_to_port(*wiring, p, std::move(result.ports[p]));
    }
    wiring.reset();
    if (result.failures.empty()) co_return;

    std::vector<failed_line> again, final;
    bool may_retry = retry_ && attempt < static_cast<unsigned>(retry_->max_attempts);
    for (auto& f : result.failures) (may_retry ? again : final).push_back(std::move(f));
    if (!again.empty()) {
        retry_pending_ += again.size();
        metrics.retries.add(again.size());
        for (auto& f : again)
            if (f.trace) f.trace->add(id(), "retry", 0, {}, "attempt " + std::to_string(attempt + 1));
        // One shared bundle: a lambda owning both by value trips a g++ 12 coroutine warning.
        auto work = std::make_shared<std::pair<std::vector<failed_line>, line_batch>>(std::move(again),
                                                                                      std::move(result.failed_events));
        net::co_spawn(strand_, [self = shared_from_this(), work, attempt] {
            return self->retry_later(std::move(work->first), std::move(work->second), attempt + 1);
        }, log_exit("pipeline.stage", id()));
    }
    if (!final.empty()) co_await fail_for_good(std::move(final), std::move(receipts));
}

void stage::record_parse_failures(const batch_result& result) {
    metrics.add_parse_failures(result.parse_failures);
    if (!errors_ || result.parse_failure_samples.empty()) return;
    std::vector<error_record> records;
    for (const auto& f : result.parse_failure_samples)
        records.push_back(error_record::make(id(), f.message, "parse", f.line, f.line_id));
    errors_->add(std::move(records));
}

net::awaitable<void> stage::retry_later(std::vector<failed_line> failures, line_batch events, unsigned attempt) {
    // Backoff doubles with each attempt: backoff_ms, 2x, 4x...
    auto delay = std::chrono::milliseconds(retry_->backoff_ms) * (1u << std::min(attempt - 2, 16u));
    net::steady_timer timer(strand_, delay);
    co_await timer.async_wait(use_aw_ec);
    // The lines as they entered this stage, fields and ids included.
    line_batch batch = std::move(events);
    for (std::size_t i = 0; i < failures.size(); ++i) {
        if (failures[i].trace) batch.traces.push_back({static_cast<std::uint32_t>(i), std::move(failures[i].trace)});
    }
    auto n = failures.size();
    co_await handle(std::move(batch), attempt);
    retry_pending_ -= n;
}

net::awaitable<void> stage::fail_for_good(std::vector<failed_line> failures, std::vector<receipt> receipts) {
    metrics.errors.add(failures.size());
    std::map<std::string, std::uint64_t> by_type;
    std::vector<error_record> records;
    std::vector<trace_ptr> finished;
    for (auto& f : failures) {
        ++by_type[f.error_type];
        if (errors_)
            records.push_back(error_record::make(id(), f.message, f.error_type, f.line, f.trace ? f.trace->line_id : 0));
        if (f.trace) {
            f.trace->outcome = "error";
            f.trace->outcome_detail = f.message;
            finished.push_back(f.trace);
        }
    }
    metrics.add_errors_by_type(by_type);
    if (errors_) errors_->add(std::move(records));
    if (traces_) traces_->add(std::move(finished));
    // One summary per batch, rate-limited: a failing stage must not flood the log.
    log::write_limited(failure_log_, log::level::warn, "pipeline.stage", "lines_failed",
                       {{"stage", id()}, {"count", failures.size()}, {"error_type", failures.front().error_type},
                        {"message", failures.front().message}});
    if (!dead_letter_) co_return;
    line_batch dead = dead_letter_batch(failures, std::move(receipts));  // named: g++ 12 and co_await temporaries
    co_await dead_letter_->send(std::move(dead));
}

}  // namespace sightline
