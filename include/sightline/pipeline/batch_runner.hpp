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

    std::uint64_t dropped_total() const;
};

/// Runs a processor over a batch and collects outputs per port, drops and failures.
/// Pure and synchronous: the stage calls it on its strand; tests call it directly.
/// Output batches share the input buffer while lines pass unchanged, and get their
/// own buffer as soon as a processor emits new text.
class batch_runner {
public:
    explicit batch_runner(std::size_t port_count) : port_count_(port_count) {}

    /// Processes every line of `in`; `out` is reset first.
    void run(processor& p, line_batch in, batch_result& out);

private:
    friend class line_context;
    void emit(line_context& c, std::size_t port);
    void emit_text(line_context& c, std::string_view text, std::size_t port);
    void drop(line_context& c, drop_reason r);
    void fail(line_context& c, std::string_view message, std::string_view error_type);
    /// Gives `port`'s batch its own buffer, copying the lines it already holds.
    void own_port(std::size_t port);

    std::size_t port_count_;
    std::vector<bool> owns_;  // per port: its batch has its own buffer
    const line_batch* in_ = nullptr;
    batch_result* out_ = nullptr;
};

}  // namespace sightline
