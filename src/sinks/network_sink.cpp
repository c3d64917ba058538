#include "sightline/sinks/network_sink.hpp"

#include <algorithm>

#include "sightline/core/log.hpp"
#include "sightline/core/log_exit.hpp"
#include "sightline/core/time_format.hpp"

namespace sightline {

namespace json = boost::json;

std::string_view outgoing_message::payload_of(std::size_t first, std::size_t last) const {
    std::size_t begin = first == 0 ? 0 : ends[first - 1];
    std::size_t end = last == 0 ? 0 : ends[last - 1];
    return std::string_view(payload).substr(begin, end - begin);
}

std::pair<const line_batch*, std::size_t> outgoing_message::line(std::size_t i) const {
    for (const auto& s : spans) {
        if (i < s.count) return {s.batch.get(), s.first + i};
        i -= s.count;
    }
    return {nullptr, 0};
}

std::vector<param_spec> network_sink_options::params(bool with_window) const {
    std::vector<param_spec> p;
    if (with_window)
        p.push_back({.name = "max_in_flight", .type = param_type::integer, .default_value = max_in_flight,
                     .doc = "Messages being delivered at once (sent, not yet acknowledged).", .min = 1, .max = 4096});
    p.push_back({.name = "batch_max_lines", .type = param_type::integer, .default_value = batch_max_lines,
                 .doc = "Most lines in one message.", .min = 1, .max = 1'000'000});
    p.push_back({.name = "batch_max_bytes", .type = param_type::integer, .default_value = batch_max_bytes,
                 .doc = "Most encoded bytes in one message (a longer line goes alone).", .min = 64,
                 .max = 256 * 1024 * 1024});
    p.push_back({.name = "batch_timeout_ms", .type = param_type::integer, .default_value = batch_timeout.count(),
                 .doc = "Longest a line waits for its message to fill before it is sent.", .min = 1,
                 .max = max_duration_ms});
    p.push_back(delivery_retry::param(retry.attempts));
    p.push_back({.name = "unhealthy_after_ms", .type = param_type::integer, .default_value = unhealthy_after.count(),
                 .doc = "Health turns unhealthy once the server was unreachable this long (degraded before).",
                 .min = 1, .max = max_duration_ms});
    return p;
}

network_sink_options network_sink_options::from_params(const json::object& params) const {
    auto get = [&](std::string_view key, std::int64_t fallback) {
        const auto* v = params.if_contains(key);
        return v ? v->to_number<std::int64_t>() : fallback;
    };
    network_sink_options o = *this;
    o.max_in_flight = static_cast<std::size_t>(get("max_in_flight", static_cast<std::int64_t>(max_in_flight)));
    o.batch_max_lines = static_cast<std::size_t>(get("batch_max_lines", static_cast<std::int64_t>(batch_max_lines)));
    o.batch_max_bytes = static_cast<std::size_t>(get("batch_max_bytes", static_cast<std::int64_t>(batch_max_bytes)));
    o.batch_timeout = std::chrono::milliseconds(get("batch_timeout_ms", batch_timeout.count()));
    o.unhealthy_after = std::chrono::milliseconds(get("unhealthy_after_ms", unhealthy_after.count()));
    if (params.contains("retry")) o.retry = delivery_retry::from_params(params);
    return o;
}

namespace {
log::rate_limiter& delivery_error_limiter() {
    static log::rate_limiter limiter(std::chrono::seconds(10), 5);
    return limiter;
}

std::int64_t now_unix_us() { return unix_us(std::chrono::system_clock::now()); }
}  // namespace

network_sink::network_sink(net::io_context& ioc, std::string id, std::string type, network_sink_options options)
    : sink(ioc, std::move(id), std::move(type)), options_(std::move(options)), room_(strand_), batch_timer_(strand_) {
    delivery.unhealthy_after_ms = static_cast<std::uint64_t>(options_.unhealthy_after.count());
}

sink_stats network_sink::stats() const {
    sink_stats s = sink::stats();
    delivery_stats d;
    delivery.read(metrics, d);
    s.delivery = std::move(d);
    return s;
}

void network_sink::start(std::function<void()> on_done) {
    on_done_ = std::move(on_done);
    net::co_spawn(strand_, [self = self_as<network_sink>()] { return self->run(); }, log_exit("sinks", id()));
    net::co_spawn(strand_, [self = self_as<network_sink>()] { return self->seal_on_timeout(); },
                  log_exit("sinks", id() + ".batch_timer"));
}

void network_sink::encode_line(const line_batch& batch, std::size_t i, std::string& payload) {
    format_.format_line(batch, i, payload);
    payload.push_back('\n');
}

void network_sink::key_of(const line_batch&, std::size_t, std::string& key) { key.clear(); }

namespace {
/// Most messages open at once (distinct keys); past it the oldest is sealed.
constexpr std::size_t max_open_messages = 64;
}  // namespace

outgoing_message& network_sink::open_for(const std::string& key) {
    for (auto& m : open_)
        if (m.key == key) return m;
    if (open_.size() >= max_open_messages) seal(0);
    auto& m = open_.emplace_back();
    m.key = key;
    return m;
}

void network_sink::take(std::shared_ptr<const line_batch> batch) {
    const auto& traces = batch->traces;
    std::size_t next_trace = 0;
    for (std::size_t i = 0; i < batch->size(); ++i) {
        key_of(*batch, i, key_);
        auto* m = &open_for(key_);
        if (m->ends.empty()) {
            m->opened = std::chrono::steady_clock::now();
            m->sequence = ++sequence_;
        }
        auto before = m->payload.size();
        encode_line(*batch, i, m->payload);
        if (m->payload.size() > options_.batch_max_bytes && !m->ends.empty()) {
            // This line does not fit: it opens the next message.
            std::string tail = m->payload.substr(before);
            m->payload.resize(before);
            seal(static_cast<std::size_t>(m - open_.data()));
            m = &open_for(key_);
            m->opened = std::chrono::steady_clock::now();
            m->sequence = ++sequence_;
            m->payload = std::move(tail);
        }
        m->ends.push_back(static_cast<std::uint32_t>(m->payload.size()));
        auto& spans = m->spans;
        if (!spans.empty() && spans.back().batch == batch && spans.back().first + spans.back().count == i)
            ++spans.back().count;
        else
            spans.push_back({batch, static_cast<std::uint32_t>(i), 1});
        if (next_trace < traces.size() && traces[next_trace].index == i) {
            m->traces.emplace_back(static_cast<std::uint32_t>(m->ends.size() - 1), traces[next_trace].record);
            ++next_trace;
        }
        if (m->ends.size() >= options_.batch_max_lines || m->payload.size() >= options_.batch_max_bytes)
            seal(static_cast<std::size_t>(m - open_.data()));
    }
}

void network_sink::seal(std::size_t open_index) {
    auto& m = open_[open_index];
    if (!m.ends.empty()) ready_.push_back(std::make_shared<outgoing_message>(std::move(m)));
    open_.erase(open_.begin() + static_cast<std::ptrdiff_t>(open_index));
}

void network_sink::seal_all() {
    while (!open_.empty()) seal(0);
}

void network_sink::pump() {
    while (in_flight_ < options_.max_in_flight && !ready_.empty()) {
        auto m = std::move(ready_.front());
        ready_.pop_front();
        ++in_flight_;
        delivery.in_flight_messages_added.add();
        net::co_spawn(strand_, [self = self_as<network_sink>(), m = std::move(m)] { return self->deliver_with_retry(m); },
                      log_exit("sinks", id() + ".deliver"));
    }
}

net::awaitable<void> network_sink::wait_for_room() {
    room_.expires_at(std::chrono::steady_clock::time_point::max());
    co_await room_.async_wait(use_aw_ec);
}

net::awaitable<void> network_sink::seal_on_timeout() {
    auto tick = std::max(std::chrono::milliseconds(1), options_.batch_timeout / 4);
    while (!finished_) {
        batch_timer_.expires_after(tick);
        auto [ec] = co_await batch_timer_.async_wait(use_aw_ec);
        if (ec || finished_) break;
        auto now = std::chrono::steady_clock::now();
        bool sealed = false;
        for (std::size_t k = open_.size(); k-- > 0;)
            if (now - open_[k].opened >= options_.batch_timeout) {
                seal(k);
                sealed = true;
            }
        if (sealed) pump();
    }
}

net::awaitable<void> network_sink::run() {
    on_start();
    // Sealed messages waiting for the window; past this the sink takes nothing in.
    const std::size_t max_ready = std::max<std::size_t>(2, options_.max_in_flight);
    for (;;) {
        auto batch = co_await next_batch();
        if (!batch) break;
        delivery.accepted.add(batch->size());
        take(std::make_shared<const line_batch>(std::move(*batch)));
        pump();
        while (ready_.size() >= max_ready) co_await wait_for_room();
    }
    seal_all();
    pump();
    while (in_flight_ > 0 || !ready_.empty()) co_await wait_for_room();
    finished_ = true;
    batch_timer_.cancel();
    on_stop();
    co_await finish();
}

net::awaitable<void> network_sink::deliver_with_retry(std::shared_ptr<outgoing_message> m) {
    net::steady_timer backoff(strand_);
    for (;;) {
        auto r = co_await deliver(*m);
        if (r.what == delivery_result::outcome::delivered) {
            account_delivered(*m, r.refused);
            break;
        }
        if (r.what == delivery_result::outcome::rejected) {
            note_failure(r.error, true);
            dead_letter_all(*m, r.error);
            break;
        }
        ++m->failures;
        delivery.retries.add();
        note_failure(r.error, false);
        if (!options_.retry.allows(m->failures)) {
            dead_letter_all(*m, "gave up after " + std::to_string(m->failures) + " attempts: " + r.error);
            break;
        }
        delivery.retrying_added.add();
        backoff.expires_after(options_.retry.delay_after(m->failures));
        co_await backoff.async_wait(use_aw_ec);
        delivery.retrying_done.add();
    }
    --in_flight_;
    delivery.in_flight_messages_done.add();
    pump();
    room_.cancel();
    co_await send_dead_letters();
}

void network_sink::note_failure(const std::string& error, bool for_good) {
    delivery.set_last_error(error);
    log::write_limited(delivery_error_limiter(), for_good ? log::level::error : log::level::warn, "sinks",
                       for_good ? "sink_delivery_refused" : "sink_delivery_retry", {{"sink", id()}, {"error", error}});
}

void network_sink::account_delivered(outgoing_message& m, const std::vector<std::pair<std::uint32_t, std::string>>& refused) {
    auto lines = m.line_count() - refused.size();
    auto waited = std::chrono::steady_clock::now() - m.opened;
    auto waited_ns = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(waited).count());
    if (lines > 0) {
        delivery.latency.record(waited_ns, lines);
        delivery.latency_sum_us.add(waited_ns / 1000 * lines);
        delivery.delivered_messages.add();
    }
    std::uint64_t refused_bytes = 0;
    for (const auto& [i, why] : refused) {
        auto [batch, at] = m.line(i);
        dead_letter_line(*batch, at, failure_type(), why);
        refused_bytes += m.payload_of(i, i + 1).size();
    }
    if (!refused.empty()) {
        delivery.set_last_error(refused.front().second);
        metrics.errors.add(refused.size());
        report_error("refused " + std::to_string(refused.size()) + " lines: " + refused.front().second,
                     failure_type());
    }
    metrics.bytes.add(m.payload.size() - refused_bytes);
    metrics.lines.add(lines);
    if (!m.traces.empty()) {
        auto now = now_unix_us();
        std::vector<trace_ptr> done;
        for (auto& [index, t] : m.traces) {
            auto i = index;  // a structured binding cannot be captured before C++20 P1091 (clang 14)
            auto it = std::find_if(refused.begin(), refused.end(), [&](const auto& r) { return r.first == i; });
            if (it != refused.end()) {
                t->add_at(now, id(), "error", 0, {}, it->second);
                t->outcome = "error";
                t->outcome_detail = it->second;
            } else {
                t->add_at(now, id(), "sink", static_cast<double>(waited_ns) / 1000.0);
                t->outcome = id();
            }
            done.push_back(std::move(t));
        }
        if (traces_) traces_->add(std::move(done));
    }
    if (lines > 0) delivery.set_connected(true);
}

void network_sink::dead_letter_all(outgoing_message& m, const std::string& error) {
    for (std::size_t i = 0; i < m.line_count(); ++i) {
        auto [batch, at] = m.line(i);
        dead_letter_line(*batch, at, failure_type(), error);
    }
    metrics.errors.add(m.line_count());
    report_error("delivery failed (" + std::to_string(m.line_count()) + " lines): " + error, failure_type());
    if (!m.traces.empty()) {
        auto now = now_unix_us();
        std::vector<trace_ptr> done;
        for (auto& [i, t] : m.traces) {
            t->add_at(now, id(), "error", 0, {}, error);
            t->outcome = "error";
            t->outcome_detail = error;
            done.push_back(std::move(t));
        }
        if (traces_) traces_->add(std::move(done));
    }
}

}  // namespace sightline
