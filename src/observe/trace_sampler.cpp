#include "sightline/observe/trace_sampler.hpp"

#include "sightline/core/time_format.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>
#include <random>
#include <stdexcept>

namespace sightline {

namespace {
std::mt19937_64& generator() {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    return rng;
}
}  // namespace

trace_sampler::trace_sampler(double rate) : rate_(rate) {
    if (!(rate > 0 && rate <= 1)) throw std::invalid_argument("trace sample rate must be in (0, 1]");
}

void trace_sampler::mark(line_batch& batch, std::string_view source_id) const {
    const std::size_t n = batch.size();
    // A geometric distribution needs p < 1; at rate 1 every line is traced.
    std::optional<std::geometric_distribution<std::size_t>> gap;
    if (rate_ < 1.0) gap.emplace(rate_);
    auto skip = [&] { return gap ? (*gap)(generator()) : 0; };
    std::size_t first = batch.traces.size();
    for (std::size_t i = skip(); i < n; i += 1 + skip()) batch.traces.push_back({static_cast<std::uint32_t>(i), nullptr});
    if (batch.traces.size() == first) return;
    // One clock read, one id reservation and one allocation per batch: the records of a
    // batch lie side by side, so writing them here and walking them at every stage are
    // sequential memory accesses (with every line traced, scattered records cost more
    // in cache misses than all the rest of tracing). Each record is an aliasing pointer
    // into the block, which is freed with its last record.
    // Blocks stay under malloc's mmap threshold, so they come from the heap and not
    // from fresh, page-faulting mappings.
    constexpr std::size_t block_records = 64;
    const std::size_t count = batch.traces.size() - first;
    std::shared_ptr<std::vector<trace_record>> block;
    auto now = unix_us(std::chrono::system_clock::now());
    // Lines stamped by their source keep their ids; others (tests) get fresh ones.
    auto id = next_line_ids(count);
    for (std::size_t k = 0; k < count; ++k) {
        if (k % block_records == 0)
            block = std::make_shared<std::vector<trace_record>>(std::min(block_records, count - k));
        auto& t = batch.traces[first + k];
        auto& r = (*block)[k % block_records];
        r.line_id = batch.lines[t.index].line_id ? batch.lines[t.index].line_id : id++;
        r.source = source_id;
        r.set_original(batch.text(t.index));
        r.add_at(now, source_id, "received");
        t.record = trace_ptr(block, &r);
    }
}

}  // namespace sightline
