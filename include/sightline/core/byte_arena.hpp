#pragma once
#include <algorithm>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

namespace sightline {

/// Scratch storage whose copies stay where they are until reset(): views into it remain
/// valid while more is added (unlike a growing std::string). Blocks are kept across
/// resets, so a processor that reuses one allocates only while its lines grow.
class byte_arena {
public:
    /// Copies `s` into the arena.
    std::string_view copy(std::string_view s) {
        char* p = allocate(s.size());
        if (!s.empty()) std::memcpy(p, s.data(), s.size());
        return {p, s.size()};
    }
    /// `n` writable bytes.
    char* allocate(std::size_t n) {
        while (current_ < blocks_.size() && blocks_[current_].size - used_ < n) {
            ++current_;
            used_ = 0;
        }
        if (current_ == blocks_.size()) {
            blocks_.push_back({std::make_unique<char[]>(std::max(n, block_size)), std::max(n, block_size)});
            used_ = 0;
        }
        char* p = blocks_[current_].data.get() + used_;
        used_ += n;
        return p;
    }
    /// Forgets every copy (the memory is reused).
    void reset() {
        current_ = 0;
        used_ = 0;
        // A huge value once must not pin its block for ever.
        if (blocks_.size() > 16) blocks_.resize(16);
    }

private:
    static constexpr std::size_t block_size = 16 * 1024;
    struct block {
        std::unique_ptr<char[]> data;
        std::size_t size = 0;
    };
    std::vector<block> blocks_;
    std::size_t current_ = 0;
    std::size_t used_ = 0;
};

}  // namespace sightline
