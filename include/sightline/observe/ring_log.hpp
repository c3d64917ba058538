#pragma once
#include <algorithm>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <utility>
#include <vector>

namespace sightline {

/// The last `capacity` items of a stream (traces, error records), thread-safe, each
/// with a sequence number so a reader can ask for "everything since I last looked".
template <typename T>
class ring_log {
public:
    explicit ring_log(std::size_t capacity) : capacity_(std::max<std::size_t>(1, capacity)) {}

    /// Appends items (one lock for the lot); the oldest fall out beyond capacity.
    void add(std::vector<T> items) {
        if (items.empty()) return;
        std::vector<T> evicted;  // destroyed after the lock is released
        {
            std::lock_guard lock(mutex_);
            for (auto& item : items) {
                ring_.push_back(std::move(item));
                ++added_;
                if (ring_.size() > capacity_) {
                    evicted.push_back(std::move(ring_.front()));
                    ring_.pop_front();
                }
            }
        }
    }
    /// Up to `limit` items for which `keep` is true, newest first.
    std::vector<T> newest(std::size_t limit, const std::function<bool(const T&)>& keep) const {
        std::lock_guard lock(mutex_);
        std::vector<T> out;
        for (auto it = ring_.rbegin(); it != ring_.rend() && out.size() < limit; ++it)
            if (keep(*it)) out.push_back(*it);
        return out;
    }
    /// Items added after sequence number `after`, oldest first (at most `limit`), and
    /// the sequence number to pass next time.
    std::pair<std::vector<T>, std::uint64_t> since(std::uint64_t after, std::size_t limit) const {
        std::lock_guard lock(mutex_);
        std::uint64_t oldest = added_ + 1 - ring_.size();  // sequence number of ring_.front()
        std::uint64_t from = std::max(after + 1, oldest);
        std::vector<T> out;
        for (std::uint64_t seq = from; seq <= added_ && out.size() < limit; ++seq) out.push_back(ring_[seq - oldest]);
        return {std::move(out), from + out.size() - 1};
    }
    /// Up to `limit` items with sequence numbers up to `through`, newest first: what a
    /// reader that has seen everything through `through` already knows.
    std::vector<T> newest_through(std::uint64_t through, std::size_t limit) const {
        std::lock_guard lock(mutex_);
        std::vector<T> out;
        std::uint64_t oldest = added_ + 1 - ring_.size();
        for (std::uint64_t seq = std::min(through, added_); seq >= oldest && out.size() < limit; --seq)
            out.push_back(ring_[seq - oldest]);
        return out;
    }
    std::size_t size() const {
        std::lock_guard lock(mutex_);
        return ring_.size();
    }
    /// Items ever added.
    std::uint64_t total() const {
        std::lock_guard lock(mutex_);
        return added_;
    }
    std::size_t capacity() const { return capacity_; }

private:
    std::size_t capacity_;
    mutable std::mutex mutex_;
    std::deque<T> ring_;
    std::uint64_t added_ = 0;
};

}  // namespace sightline
