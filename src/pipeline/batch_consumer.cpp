#include "sightline/pipeline/batch_consumer.hpp"

#include "sightline/core/log.hpp"

namespace sightline {

batch_consumer::batch_consumer(net::any_io_executor ex, std::string id, std::size_t capacity)
    : id_(std::move(id)), capacity_(capacity), channel_(std::move(ex), capacity) {}

net::awaitable<void> batch_consumer::send(line_batch batch) {
    queued_.fetch_add(1, std::memory_order_relaxed);
    auto lines = batch.size();
    auto [ec] = co_await channel_.async_send(error_code{}, std::move(batch), use_aw_ec);
    if (ec) {
        queued_.fetch_sub(1, std::memory_order_relaxed);
        log::write(log::level::error, "pipeline", "hand_off_failed",
                   {{"consumer", id_}, {"lines", lines}, {"error", ec.message()}});
    }
}

bool batch_consumer::try_send(line_batch batch) {
    queued_.fetch_add(1, std::memory_order_relaxed);
    bool ok = channel_.try_send(error_code{}, std::move(batch));
    if (!ok) queued_.fetch_sub(1, std::memory_order_relaxed);
    return ok;
}

net::awaitable<std::optional<line_batch>> batch_consumer::next_batch() {
    while (ended_ < producers_) {
        auto [ec, batch] = co_await channel_.async_receive(use_aw_ec);
        if (ec) co_return std::nullopt;
        queued_.fetch_sub(1, std::memory_order_relaxed);
        if (batch.end_of_stream) {
            ++ended_;
            continue;
        }
        if (batch.empty()) continue;
        co_return std::move(batch);
    }
    co_return std::nullopt;
}

net::awaitable<void> send_to_all(const std::vector<batch_consumer*>& targets, line_batch batch) {
    for (std::size_t t = 0; t < targets.size(); ++t) {
        line_batch copy = t + 1 < targets.size() ? batch.branch() : std::move(batch);
        co_await targets[t]->send(std::move(copy));
    }
}

net::awaitable<void> end_all(const std::vector<batch_consumer*>& targets) {
    for (auto* t : targets) co_await t->send(line_batch::eos());
}

}  // namespace sightline
