#pragma once
#include <atomic>
#include <optional>
#include <string>
#include <vector>

#include "sightline/core/line_batch.hpp"
#include "sightline/core/net.hpp"

namespace sightline {

/// Bounded queue of batches between nodes; a full queue suspends the sender, which is
/// how a slow stage slows its producers instead of growing memory.
using batch_channel = net::experimental::concurrent_channel<void(error_code, line_batch)>;

/// Something that takes batches in: a stage or a sink. Each producer wired to it sends
/// one end-of-stream marker when it is done; the consumer is done when all have.
class batch_consumer {
public:
    /// Default number of batches a hand-off holds before the sender waits.
    static constexpr std::size_t default_capacity = 4;

    batch_consumer(net::any_io_executor ex, std::string id, std::size_t capacity = default_capacity);
    virtual ~batch_consumer() = default;

    const std::string& id() const { return id_; }
    /// Counts one more producer: while wiring, or by a reload before the producer it
    /// replaces ends (so the count never reaches the ended ones early).
    void add_producer() { producers_.fetch_add(1); }
    std::size_t producers() const { return producers_.load(); }
    /// Where its hand-off runs (for end-of-stream markers sent from elsewhere).
    net::any_io_executor executor() { return channel_.get_executor(); }
    /// Queues a batch, waiting while the hand-off is full. A consumer's channel is never
    /// closed while a producer runs, so this always delivers; it can fail only while the
    /// process tears down, and that is logged with the lines it held.
    net::awaitable<void> send(line_batch batch);
    /// Queues a batch only if there is room now; false (nothing queued) when full. For a
    /// caller that must not wait here (a sink handing failed lines to the dead letter
    /// between its writes).
    bool try_send(line_batch batch);
    /// Batches waiting in the hand-off (approximate; for queue-fill figures).
    std::size_t queued() const { return queued_.load(std::memory_order_relaxed); }
    std::size_t capacity() const { return capacity_; }

protected:
    /// The next batch with lines, or nullopt once every producer has ended.
    net::awaitable<std::optional<line_batch>> next_batch();

private:
    std::string id_;
    std::size_t capacity_;
    batch_channel channel_;
    std::atomic<std::size_t> producers_{0};
    std::size_t ended_ = 0;
    std::atomic<std::size_t> queued_{0};
};

/// Sends `batch` to every target: copies of the line positions for all but the last
/// (the byte buffer is shared), the batch itself to the last.
net::awaitable<void> send_to_all(const std::vector<batch_consumer*>& targets, line_batch batch);

/// Sends the end-of-stream marker to every target.
net::awaitable<void> end_all(const std::vector<batch_consumer*>& targets);

}  // namespace sightline
