#pragma once
#include <string>

#include "sightline/core/line_batch.hpp"

namespace sightline {

/// Decides, once per line at the source, whether the line is traced: each line
/// independently with probability `rate`. Sampled positions are drawn as geometric
/// gaps, so the cost is per traced line, not per line; a fresh draw at each batch is
/// exact because the geometric distribution is memoryless. Thread-safe (the random
/// generator is per thread).
class trace_sampler {
public:
    /// `rate` in (0, 1]; 1 traces every line.
    explicit trace_sampler(double rate);
    double rate() const { return rate_; }
    /// Gives the sampled lines of `batch` a trace record with a new line_id, their
    /// source, original content (cut at 1 KiB) and a `received` step. `source_id` must
    /// outlive the records (it is the id of a source, which lives as long as the pipeline).
    void mark(line_batch& batch, std::string_view source_id) const;

private:
    double rate_;
};

}  // namespace sightline
