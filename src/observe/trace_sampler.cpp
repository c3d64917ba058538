#include "sightline/observe/trace_sampler.hpp"

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
    for (std::size_t i = skip(); i < n; i += 1 + skip()) {
        auto r = std::make_shared<trace_record>();
        r->line_id = next_line_id();
        r->source = source_id;
        auto text = batch.text(i);
        r->original_cut = text.size() > trace_record::max_content;
        r->original_content = std::string(text.substr(0, trace_record::max_content));
        r->add(source_id, "received");
        batch.traces.push_back({static_cast<std::uint32_t>(i), std::move(r)});
    }
}

}  // namespace sightline
