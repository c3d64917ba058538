#include "sightline/sinks/sink.hpp"

#include <chrono>

#include "sightline/core/dead_letter_record.hpp"
#include "sightline/core/time_format.hpp"

namespace sightline {

sink::sink(net::io_context& ioc, std::string id, std::string type)
    : batch_consumer(ioc.get_executor(), std::move(id)), strand_(net::make_strand(ioc)), type_(std::move(type)) {}

sink_stats sink::stats() const {
    sink_stats s;
    s.id = id();
    s.type = type_;
    read_counters(metrics, s);
    return s;
}

void sink::dead_letter_line(const line_batch& batch, std::size_t i, std::string_view error_type, std::string_view error) {
    if (!dead_letter_) return;
    auto line_id = batch.lines[i].line_id;
    pending_dead_.keep_receipts(batch.receipts);
    // Same record as a failed processor line, with the sink as the stage.
    pending_dead_.append(dead_letter_record(format_rfc3339(std::chrono::system_clock::now()), id(), error_type, error,
                                            batch.text(i),
                                            line_id ? std::optional<std::uint64_t>(line_id) : std::nullopt));
}

net::awaitable<void> sink::send_dead_letters() {
    if (pending_dead_.empty()) co_return;
    // A named batch: g++ 12 destroys temporaries of a co_await expression twice.
    line_batch failed = std::exchange(pending_dead_, line_batch{});
    co_await dead_letter_->send(std::move(failed));
}

void sink::try_send_dead_letters() {
    if (!pending_dead_.empty() && dead_letter_->try_send(pending_dead_)) pending_dead_ = line_batch{};
}

net::awaitable<void> sink::finish() {
    co_await send_dead_letters();
    if (dead_letter_) co_await dead_letter_->send(line_batch::eos());
    if (on_done_) on_done_();
}

void sink::report_error(std::string message, std::string_view type) {
    if (errors_) errors_->add({error_record::make(id(), std::move(message), std::string(type), "", 0)});
}

}  // namespace sightline
