#include "sightline/pipeline/batch_runner.hpp"

#include <chrono>
#include <exception>
#include <stdexcept>

#include "sightline/core/tick_clock.hpp"
#include "sightline/core/time_format.hpp"

namespace sightline {

std::uint64_t batch_result::dropped_total() const {
    std::uint64_t n = 0;
    for (auto d : dropped) n += d;
    return n;
}

void line_context::emit(std::size_t port) { runner_->emit(*this, port); }
void line_context::emit_text(std::string_view text, std::size_t port) { runner_->emit_text(*this, text, port); }
void line_context::drop(drop_reason reason) { runner_->drop(*this, reason); }
void line_context::fail(std::string_view message, std::string_view error_type) {
    runner_->fail(*this, message, error_type);
}

namespace {
/// How many traced lines ahead the runner prefetches records.
constexpr std::ptrdiff_t prefetch_distance = 16;
}  // namespace

void batch_runner::run(processor& p, line_batch in, batch_result& out) {
    if (p.mutates_in_place()) in.make_bytes_unique();
    out.ports.assign(port_count_, line_batch{});
    for (auto& b : out.ports) {
        b.traces.reserve(in.traces.size());
        b.bytes = in.bytes;
        b.lines.reserve(port_count_ == 1 ? in.size() : in.size() / 2);
    }
    owns_.assign(port_count_, false);
    out.lines_in = in.size();
    out.lines_out = out.errors = 0;
    out.dropped.fill(0);
    out.failures.clear();
    out.finished_traces.clear();
    in_ = &in;
    out_ = &out;

    line_context c;
    c.runner_ = this;
    auto next_trace = in.traces.begin();
    // Sampled lines are timed one by one; the others cost nothing extra. Step times are
    // one wall-clock reading per batch plus a cheap tick clock per line, and when traced
    // lines follow each other one reading ends a line and starts the next.
    double ns_per_tick = 0;  // 0: not yet known, time with steady_clock (1 tick = 1 ns)
    auto ticks_now = [&]() -> std::uint64_t {
        if (ns_per_tick > 0) return tick_clock::now();
        return static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    };
    std::uint64_t anchor = 0, last_end = 0;
    std::int64_t anchor_unix_us = 0;
    std::size_t last_traced = static_cast<std::size_t>(-1);
    for (std::size_t i = 0; i < in.size(); ++i) {
        c.text_ = in.text(i);
        c.tag_ = in.lines[i].tag;
        c.outcome_ = line_context::outcome::none;
        trace_ptr record;
        std::uint64_t t0 = 0;
        if (next_trace != in.traces.end() && next_trace->index == i) {
            // Records were last touched a stage ago and are out of cache: ask for a few
            // lines ahead so the loads overlap with this line's work.
            if (in.traces.end() - next_trace > prefetch_distance) next_trace[prefetch_distance].record->prefetch();
            record = std::move(next_trace->record);
            ++next_trace;
            c.traced_ = true;
            traced_emits_.clear();
            if (last_traced == static_cast<std::size_t>(-1)) {
                ns_per_tick = tick_clock::ns_per_tick();
                anchor_unix_us = unix_us(std::chrono::system_clock::now());
                anchor = t0 = ticks_now();
            } else {
                t0 = last_traced + 1 == i ? last_end : ticks_now();
            }
        }
        try {
            p.process(c);
            if (c.outcome_ == line_context::outcome::none) drop(c, drop_reason::no_output);
        } catch (const std::exception& e) {
            // The processor broke its contract; the line still gets exactly one outcome.
            if (c.outcome_ == line_context::outcome::none) fail(c, e.what(), "exception");
        } catch (...) {
            if (c.outcome_ == line_context::outcome::none) fail(c, "unknown exception", "exception");
        }
        if (record) {
            auto t1 = ticks_now();
            double scale_us = (ns_per_tick > 0 ? ns_per_tick : 1.0) / 1000.0;
            // Ticks of different cores may disagree by a little: never a negative time.
            double us = t1 > t0 ? static_cast<double>(t1 - t0) * scale_us : 0.0;
            auto at = anchor_unix_us + static_cast<std::int64_t>(t1 > anchor ? static_cast<double>(t1 - anchor) * scale_us : 0.0);
            finish_trace(c, std::move(record), us, at);
            c.traced_ = false;
            last_end = t1;
            last_traced = i;
        }
    }
    // Ports that took no line must not keep the input buffer alive.
    for (auto& b : out.ports)
        if (b.lines.empty()) b.bytes.reset();
    in_ = nullptr;
    out_ = nullptr;
}

void batch_runner::finish_trace(line_context& c, trace_ptr record, double duration_us, std::int64_t at_us) {
    switch (c.outcome_) {
    case line_context::outcome::emitted:
        for (std::size_t k = 0; k < traced_emits_.size(); ++k) {
            auto [port, index] = traced_emits_[k];
            // A line emitted to several ports continues as one trace per branch.
            // The last branch takes the record itself (a move: no atomic reference count).
            auto branch = k + 1 < traced_emits_.size() ? make_trace_record(*record) : std::move(record);
            const auto& route = port_routes_[port];
            branch->add_at(at_us, stage_id_, route.empty() ? "emit" : "route", duration_us, route);
            out_->ports[port].traces.push_back({index, std::move(branch)});
        }
        break;
    case line_context::outcome::dropped:
        record->add_at(at_us, stage_id_, "drop", duration_us, {}, std::string(drop_reason_));
        record->outcome = "dropped";
        record->outcome_detail = std::string(drop_reason_);
        out_->finished_traces.push_back(std::move(record));
        break;
    case line_context::outcome::failed:
        // The stage decides what comes next (retry or error); the step is written now.
        record->add_at(at_us, stage_id_, "error", duration_us, {}, fail_message_);
        out_->failures.back().trace = std::move(record);
        break;
    case line_context::outcome::none:
        break;
    }
}

void batch_runner::emit(line_context& c, std::size_t port) {
    if (port >= port_count_) throw std::out_of_range("processor emitted to port " + std::to_string(port));
    if (c.outcome_ == line_context::outcome::dropped || c.outcome_ == line_context::outcome::failed) return;
    if (c.outcome_ == line_context::outcome::none) ++out_->lines_out;
    c.outcome_ = line_context::outcome::emitted;
    auto& b = out_->ports[port];
    if (c.traced_) traced_emits_.emplace_back(port, static_cast<std::uint32_t>(b.lines.size()));
    if (owns_[port]) {
        b.append(c.text_, c.tag_);
        return;
    }
    auto offset = static_cast<std::uint32_t>(c.text_.data() - in_->bytes->data());
    b.lines.push_back({offset, static_cast<std::uint32_t>(c.text_.size()), c.tag_});
}

void batch_runner::emit_text(line_context& c, std::string_view text, std::size_t port) {
    if (port >= port_count_) throw std::out_of_range("processor emitted to port " + std::to_string(port));
    if (c.outcome_ == line_context::outcome::dropped || c.outcome_ == line_context::outcome::failed) return;
    if (c.outcome_ == line_context::outcome::none) ++out_->lines_out;
    c.outcome_ = line_context::outcome::emitted;
    if (!owns_[port]) own_port(port);
    if (c.traced_) traced_emits_.emplace_back(port, static_cast<std::uint32_t>(out_->ports[port].lines.size()));
    out_->ports[port].append(text, c.tag_);
}

void batch_runner::own_port(std::size_t port) {
    auto& b = out_->ports[port];
    auto shared = std::move(b.bytes);
    auto refs = std::move(b.lines);
    b.bytes = std::make_shared<std::string>();
    b.lines.clear();
    b.bytes->reserve(in_->bytes->size() + in_->bytes->size() / 4);
    b.lines.reserve(in_->size());
    for (const auto& r : refs) b.append(std::string_view(*shared).substr(r.offset, r.length), r.tag);
    owns_[port] = true;
}

void batch_runner::drop(line_context& c, drop_reason r) {
    if (c.outcome_ != line_context::outcome::none) return;
    c.outcome_ = line_context::outcome::dropped;
    ++out_->dropped[static_cast<std::size_t>(r)];
    if (c.traced_) drop_reason_ = to_string(r);
}

void batch_runner::fail(line_context& c, std::string_view message, std::string_view error_type) {
    if (c.outcome_ != line_context::outcome::none) return;
    c.outcome_ = line_context::outcome::failed;
    ++out_->errors;
    out_->failures.push_back({std::string(c.text_), std::string(message), std::string(error_type), c.tag_, nullptr});
    if (c.traced_) fail_message_ = std::string(message);
}

}  // namespace sightline
