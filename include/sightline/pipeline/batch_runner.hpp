#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "sightline/core/line_batch.hpp"
#include "sightline/processors/processor.hpp"

namespace sightline {

/// A line that failed at a stage, on its way to the dead-letter sink and error log.
struct failed_line {
    std::string line;
    std::string message;
    std::string error_type;
    tag_id tag = 0;
    std::uint64_t line_id = 0;
    /// The line's trace when it is sampled (its last step is the error), else null.
    trace_ptr trace;
};

/// A parse failure recorded for /errors (the line went on, or was dropped).
struct parse_failure {
    std::string line;
    std::string message;
    std::string_view reason;
    std::uint64_t line_id = 0;
};

/// Everything one batch produced at one stage.
struct batch_result {
    /// One output batch per port (empty batches are simply not forwarded).
    std::vector<line_batch> ports;
    std::uint64_t lines_in = 0;
    std::uint64_t lines_out = 0;  // lines emitted at least once
    std::uint64_t errors = 0;
    std::array<std::uint64_t, drop_reason_count> dropped{};
    std::vector<failed_line> failures;
    /// The failed lines as they entered the stage, with their fields (failure k is line
    /// k): what a retry sends again.
    line_batch failed_events;
    /// Parse failures by reason (a reason is a literal of its parser).
    std::vector<std::pair<std::string_view, std::uint64_t>> parse_failures;
    /// The first few parse failures of lines that were not failed (kept or dropped).
    std::vector<parse_failure> parse_failure_samples;
    /// Traces of lines that ended here (dropped), ready to publish.
    std::vector<trace_ptr> finished_traces;

    std::uint64_t dropped_total() const;
};

/// Runs a processor over a batch and collects outputs per port, drops and failures.
/// Pure and synchronous: the stage calls it on its strand; tests call it directly.
/// Output batches share the input buffer while lines pass unchanged, and get their
/// own buffer as soon as a processor emits new text.
class batch_runner {
public:
    /// `stage_id` and `port_routes` (the route label of each port, empty for plain
    /// `next`) name the steps written into traces.
    explicit batch_runner(std::size_t port_count, std::string stage_id = {}, std::vector<std::string> port_routes = {})
        : port_count_(port_count), stage_id_(std::move(stage_id)), port_routes_(std::move(port_routes)) {
        port_routes_.resize(port_count_);
    }

    /// Processes every line of `in`; `out` is reset first.
    void run(processor& p, line_batch in, batch_result& out);

private:
    friend class line_context;
    void emit(line_context& c, std::size_t port);
    void emit_text(line_context& c, std::string_view text, std::size_t port);
    void drop(line_context& c, drop_reason r);
    void fail(line_context& c, std::string_view message, std::string_view error_type);
    void parse_failed(line_context& c, std::string_view reason, std::string_view message);
    /// Writes line `c` with `text` to `port`, sharing what it can with the input.
    void emit_line(line_context& c, std::string_view text, std::size_t port);
    /// Gives `port`'s batch its own field list (its lines keep sharing the input bytes).
    void own_fields(std::size_t port);
    /// Gives `port`'s batch its own buffer and field list, copying the lines it holds.
    void own_bytes(std::size_t port);
    /// For a traced line whose fields changed: what this stage added, changed, removed.
    std::string fields_change(const line_context& c) const;
    /// Writes the traced line's step for its outcome and moves its record on.
    void finish_trace(line_context& c, trace_ptr record, double duration_us, std::int64_t at_us);

    std::size_t port_count_;
    std::string stage_id_;
    std::vector<std::string> port_routes_;
    /// Where the current traced line was emitted: (port, index in that port's batch).
    std::vector<std::pair<std::size_t, std::uint32_t>> traced_emits_;
    std::string_view drop_reason_;
    std::string fail_message_;
    std::vector<bool> owns_bytes_;   // per port: its batch has its own buffer (and field list)
    std::vector<bool> owns_fields_;  // per port: its batch has its own field list
    std::vector<field_view> views_;  // scratch for a line's fields
    // The current line's pending parse failure (recorded for /errors unless it fails).
    std::string_view pending_parse_reason_;
    std::string pending_parse_message_;
    bool parse_pending_ = false;
    const line_batch* in_ = nullptr;
    batch_result* out_ = nullptr;
};

}  // namespace sightline
