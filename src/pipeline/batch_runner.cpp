#include "sightline/pipeline/batch_runner.hpp"

#include <algorithm>
#include <chrono>
#include <exception>
#include <stdexcept>

#include "sightline/core/json_text.hpp"
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
void line_context::parse_failed(std::string_view reason, std::string_view message) {
    runner_->parse_failed(*this, reason, message);
}

std::span<char> line_context::mutable_text() {
    if (in_->fields) {
        // Fields may be slices of these bytes: change a copy, so they keep their values.
        char* copy = scratch_.allocate(text_.size());
        std::copy(text_.begin(), text_.end(), copy);
        text_ = {copy, text_.size()};
    }
    return {const_cast<char*>(text_.data()), text_.size()};
}

std::uint64_t line_context::line_id() const { return in_->lines[index_].line_id; }
std::string_view line_context::source() const { return in_->source; }
std::int64_t line_context::received_us() const { return in_->received_us; }

bool line_context::has_fields() const { return materialized_ ? !work_.empty() : in_->lines[index_].field_count > 0; }

bool line_context::field(key_id key, field_value& out) const {
    if (!materialized_) return in_->find_field(index_, key, out);
    for (const auto& f : work_)
        if (f.key == key) {
            out = f.value;
            return true;
        }
    return false;
}

std::span<const field_view> line_context::fields() {
    materialize_fields();
    return work_;
}

void line_context::materialize_fields() {
    if (materialized_) return;
    in_->views_of(index_, work_);
    materialized_ = true;
}

field_view* line_context::find_work(key_id key) {
    for (auto& f : work_)
        if (f.key == key) return &f;
    return nullptr;
}

void line_context::set_field(key_id key, field_value value) {
    materialize_fields();
    if (value.has_text()) {
        const auto& b = *in_->bytes;
        auto t = value.text;
        bool in_input = !t.empty() && t.data() >= b.data() && t.data() + t.size() <= b.data() + b.size();
        if (!in_input && !value.literal) value.text = scratch_.copy(t);
    }
    if (auto* f = find_work(key)) {
        f->value = value;
    } else {
        if (work_.size() >= max_fields_per_line) throw std::length_error("more than 1024 fields on one line");
        work_.push_back({key, value});
    }
    fields_changed_ = true;
}

void line_context::add_fields(std::span<const field_view> fields) {
    if (fields.empty()) return;
    if (!materialized_ && in_->lines[index_].field_count == 0) {
        // The common case, a parser on a line without fields: no lookups at all.
        if (fields.size() > max_fields_per_line) throw std::length_error("more than 1024 fields on one line");
        work_.assign(fields.begin(), fields.end());
        materialized_ = fields_changed_ = true;
        return;
    }
    materialize_fields();
    for (const auto& f : fields) {
        if (auto* w = find_work(f.key)) {
            w->value = f.value;
        } else {
            if (work_.size() >= max_fields_per_line) throw std::length_error("more than 1024 fields on one line");
            work_.push_back(f);
        }
    }
    fields_changed_ = true;
}

bool line_context::remove_field(key_id key) {
    materialize_fields();
    auto* f = find_work(key);
    if (!f) return false;
    work_.erase(work_.begin() + (f - work_.data()));
    fields_changed_ = true;
    return true;
}

bool line_context::rename_field(key_id from, key_id to) {
    if (from == to) {
        field_value v;
        return field(from, v);
    }
    materialize_fields();
    auto* f = find_work(from);
    if (!f) return false;
    auto value = f->value;
    remove_field(from);
    if (auto* t = find_work(to))
        t->value = value;
    else
        work_.push_back({to, value});
    fields_changed_ = true;
    return true;
}

namespace {
/// How many traced lines ahead the runner prefetches records.
constexpr std::ptrdiff_t prefetch_distance = 16;
}  // namespace

void batch_runner::run(processor& p, line_batch in, batch_result& out) {
    // In place only without fields: a field may be a slice of the bytes a processor changes.
    if (p.mutates_in_place() && !in.fields) in.make_bytes_unique();
    out.ports.assign(port_count_, line_batch{});
    for (auto& b : out.ports) {
        b.traces.reserve(in.traces.size());
        b.bytes = in.bytes;
        b.fields = in.fields;
        b.source = in.source;
        b.received_us = in.received_us;
        b.receipts = in.receipts;
        b.lines.reserve(port_count_ == 1 ? in.size() : in.size() / 2);
    }
    owns_bytes_.assign(port_count_, false);
    owns_fields_.assign(port_count_, false);
    out.lines_in = in.size();
    out.lines_out = out.errors = 0;
    out.dropped.fill(0);
    out.failures.clear();
    out.failed_events = line_batch{};
    out.parse_failures.clear();
    out.parse_failure_samples.clear();
    out.finished_traces.clear();
    in_ = &in;
    out_ = &out;

    line_context c;
    c.runner_ = this;
    c.in_ = &in;
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
        c.index_ = i;
        c.outcome_ = line_context::outcome::none;
        c.materialized_ = c.fields_changed_ = false;
        c.scratch_.reset();
        parse_pending_ = false;
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
        if (parse_pending_ && c.outcome_ != line_context::outcome::failed && out.parse_failure_samples.size() < 8)
            out.parse_failure_samples.push_back(
                {std::string(c.text_), std::move(pending_parse_message_), pending_parse_reason_, in.lines[i].line_id});
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
        if (b.lines.empty()) {
            b.bytes.reset();
            b.fields.reset();
        }
    in_ = nullptr;
    out_ = nullptr;
}

void batch_runner::finish_trace(line_context& c, trace_ptr record, double duration_us, std::int64_t at_us) {
    switch (c.outcome_) {
    case line_context::outcome::emitted: {
        std::string change = c.fields_changed_ ? fields_change(c) : std::string();
        for (std::size_t k = 0; k < traced_emits_.size(); ++k) {
            auto [port, index] = traced_emits_[k];
            // A line emitted to several ports continues as one trace per branch.
            // The last branch takes the record itself (a move: no atomic reference count).
            auto branch = k + 1 < traced_emits_.size() ? make_trace_record(*record) : std::move(record);
            const auto& route = port_routes_[port];
            branch->add_at(at_us, stage_id_, route.empty() ? "emit" : "route", duration_us, route);
            if (!change.empty()) branch->set_fields_change(change);
            out_->ports[port].traces.push_back({index, std::move(branch)});
        }
        break;
    }
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

void batch_runner::emit(line_context& c, std::size_t port) { emit_line(c, c.text_, port); }

void batch_runner::emit_text(line_context& c, std::string_view text, std::size_t port) { emit_line(c, text, port); }

namespace {
bool within(std::string_view part, const std::string& whole) {
    return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}
}  // namespace

void batch_runner::emit_line(line_context& c, std::string_view text, std::size_t port) {
    if (port >= port_count_) throw std::out_of_range("processor emitted to port " + std::to_string(port));
    if (c.outcome_ == line_context::outcome::dropped || c.outcome_ == line_context::outcome::failed) return;
    if (c.outcome_ == line_context::outcome::none) ++out_->lines_out;
    c.outcome_ = line_context::outcome::emitted;
    auto& b = out_->ports[port];
    const auto& in_line = in_->lines[c.index_];
    if (c.traced_) traced_emits_.emplace_back(port, static_cast<std::uint32_t>(b.lines.size()));
    const std::string& base = *in_->bytes;
    bool text_shared = !owns_bytes_[port] && within(text, base);
    if (text_shared && !c.fields_changed_ && !owns_fields_[port]) {
        // The common case: text and fields as they came, shared with the input.
        auto offset = static_cast<std::uint32_t>(text.data() - base.data());
        b.lines.push_back({offset, static_cast<std::uint32_t>(text.size()), c.tag_, in_line.field_count,
                           in_line.fields_begin, in_line.line_id});
        return;
    }
    const std::vector<field_view>* views = &c.work_;
    if (!c.materialized_) {
        in_->views_of(c.index_, views_);
        views = &views_;
    }
    bool all_shared = text_shared;
    for (std::size_t k = 0; all_shared && k < views->size(); ++k) {
        const auto& v = (*views)[k].value;
        if (v.has_text() && !v.literal && !v.text.empty() && !within(v.text, base)) all_shared = false;
    }
    if (all_shared) {
        // New or changed fields whose text is all in the input's bytes: only the
        // field list is this port's own.
        if (!owns_fields_[port]) own_fields(port);
        line_ref ref{static_cast<std::uint32_t>(text.data() - base.data()), static_cast<std::uint32_t>(text.size()), c.tag_,
                     static_cast<std::uint16_t>(views->size()), static_cast<std::uint32_t>(b.fields->size()), in_line.line_id};
        for (const auto& v : *views) {
            stored_field f;
            f.key = v.key;
            f.kind = v.value.kind;
            if (v.value.literal) {
                f.length = static_cast<std::uint32_t>(v.value.text.size());
                f.literal = true;
                f.literal_text = v.value.text.data();
            } else if (v.value.has_text()) {
                f.length = static_cast<std::uint32_t>(v.value.text.size());
                f.offset = v.value.text.empty() ? 0 : static_cast<std::uint32_t>(v.value.text.data() - base.data());
            } else {
                f.integer = v.value.integer;  // the union's widest member carries every other kind
            }
            b.fields->push_back(f);
        }
        b.lines.push_back(ref);
        return;
    }
    if (!owns_bytes_[port]) own_bytes(port);
    b.append_event(text, c.tag_, in_line.line_id, *views);
}

void batch_runner::own_fields(std::size_t port) {
    auto& b = out_->ports[port];
    auto own = std::make_shared<std::vector<stored_field>>();
    own->reserve(in_->fields ? in_->fields->size() + in_->size() * 4 : in_->size() * 8);
    for (auto& l : b.lines) {
        auto from = l.fields_begin;
        l.fields_begin = static_cast<std::uint32_t>(own->size());
        if (l.field_count) own->insert(own->end(), b.fields->begin() + from, b.fields->begin() + from + l.field_count);
    }
    b.fields = std::move(own);
    owns_fields_[port] = true;
}

void batch_runner::own_bytes(std::size_t port) {
    auto& b = out_->ports[port];
    line_batch old = std::move(b);
    b = line_batch{};
    b.bytes = std::make_shared<std::string>();
    b.bytes->reserve(in_->bytes->size() + in_->bytes->size() / 4);
    b.lines.reserve(in_->size());
    b.source = in_->source;
    b.received_us = in_->received_us;
    b.receipts = std::move(old.receipts);
    b.traces = std::move(old.traces);
    for (std::size_t i = 0; i < old.lines.size(); ++i) b.append_line_of(old, i);
    owns_bytes_[port] = owns_fields_[port] = true;
}

std::string batch_runner::fields_change(const line_context& c) const {
    // {"added":{...},"changed":{...},"removed":[...]}: parts with nothing are left out.
    std::string added, changed, removed;
    auto add_member = [](std::string& to, const field_view& f) {
        to.push_back(to.empty() ? '{' : ',');
        append_json_string(to, field_keys::name(f.key));
        to.push_back(':');
        append_json_value(to, f.value);
    };
    for (const auto& f : c.work_) {
        field_value before;
        if (!in_->find_field(c.index_, f.key, before))
            add_member(added, f);
        else if (!(before == f.value))
            add_member(changed, f);
    }
    for (const auto& f : in_->fields_of(c.index_)) {
        bool kept = false;
        for (const auto& w : c.work_) kept = kept || w.key == f.key;
        if (kept) continue;
        removed.push_back(removed.empty() ? '[' : ',');
        append_json_string(removed, field_keys::name(f.key));
    }
    std::string out = "{";
    auto part = [&](std::string_view name, std::string& body, char close) {
        if (body.empty()) return;
        if (out.size() > 1) out.push_back(',');
        out.push_back('"');
        out.append(name);
        out.append("\":");
        out.append(body);
        out.push_back(close);
    };
    part("added", added, '}');
    part("changed", changed, '}');
    part("removed", removed, ']');
    out.push_back('}');
    return out.size() > 2 ? out : std::string();
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
    out_->failures.push_back({std::string(c.text_), std::string(message), std::string(error_type), c.tag_,
                              in_->lines[c.index_].line_id, nullptr});
    out_->failed_events.source = in_->source;
    out_->failed_events.received_us = in_->received_us;
    if (out_->failed_events.receipts.empty()) out_->failed_events.receipts = in_->receipts;
    out_->failed_events.append_line_of(*in_, c.index_);
    if (c.traced_) fail_message_ = std::string(message);
}

}  // namespace sightline

namespace sightline {
void batch_runner::parse_failed(line_context& c, std::string_view reason, std::string_view message) {
    (void)c;
    auto& counts = out_->parse_failures;
    auto it = std::find_if(counts.begin(), counts.end(), [&](const auto& p) { return p.first == reason; });
    if (it == counts.end())
        counts.emplace_back(reason, 1);
    else
        ++it->second;
    parse_pending_ = true;
    pending_parse_reason_ = reason;
    pending_parse_message_ = std::string(message);
}
}  // namespace sightline
