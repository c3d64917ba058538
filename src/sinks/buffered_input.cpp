#include "sightline/sinks/buffered_input.hpp"

#include <boost/json/value_to.hpp>

#include "sightline/core/log.hpp"
#include "sightline/core/log_exit.hpp"

namespace sightline {

namespace json = boost::json;

namespace {

/// Acknowledges one record of the disk buffer when the last batch holding it lets go.
class buffer_receipt {
public:
    buffer_receipt(std::shared_ptr<disk_buffer> b, disk_buffer::ticket t) : buffer_(std::move(b)), ticket_(t) {}
    ~buffer_receipt() { buffer_->ack(ticket_); }
    buffer_receipt(const buffer_receipt&) = delete;
    buffer_receipt& operator=(const buffer_receipt&) = delete;

private:
    std::shared_ptr<disk_buffer> buffer_;
    disk_buffer::ticket ticket_;
};

const json::object* buffer_object(const json::object& params) {
    const auto* b = params.if_contains("buffer");
    return b && b->is_object() ? &b->get_object() : nullptr;
}

}  // namespace

param_spec buffer_config::param() {
    return {.name = "buffer",
            .type = param_type::object,
            .default_value = json::object{{"type", "memory"}},
            .doc = "Where accepted lines wait for this sink: {\"type\": \"memory\"} (the bounded hand-off) or "
                   "{\"type\": \"disk\", \"max_bytes\": 268435456, \"path\": folder (default "
                   "sightline-data/buffer/<id>), \"when_full\": \"block\" or \"drop_newest\", \"sync\": \"none\", "
                   "\"batch\" or \"interval_ms\" (with \"interval_ms\": 1000)}: kept across restarts and crashes."};
}

void buffer_config::check(const json::object& params, const std::string& path, problems& found) {
    const auto* b = buffer_object(params);
    if (!b) return;
    auto where = path_join(path, "buffer");
    auto text = [&](std::string_view key, std::initializer_list<std::string_view> choices) {
        const auto* v = b->if_contains(key);
        if (!v) return;
        bool ok = v->is_string() && std::find(choices.begin(), choices.end(), std::string_view(v->get_string())) != choices.end();
        if (!ok) {
            std::string list;
            for (auto c : choices) list += (list.empty() ? "" : ", ") + std::string(c);
            found.add(path_join(where, key), "must be one of " + list);
        }
    };
    for (const auto& [key, value] : *b) {
        if (key == "type" || key == "when_full" || key == "sync" || key == "path") continue;
        if (key == "max_bytes" || key == "interval_ms") {
            std::int64_t lo = key == "max_bytes" ? 1024 * 1024 : 1, hi = key == "max_bytes" ? (std::int64_t(1) << 50) : max_duration_ms;
            if (!value.is_int64() || value.as_int64() < lo || value.as_int64() > hi)
                found.add(path_join(where, key), "must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
            continue;
        }
        found.add(path_join(where, key), "unknown key (type, max_bytes, path, when_full, sync, interval_ms)");
    }
    text("type", {"memory", "disk"});
    text("when_full", {"block", "drop_newest"});
    text("sync", {"none", "batch", "interval_ms"});
    if (const auto* p = b->if_contains("path"); p && (!p->is_string() || p->get_string().empty()))
        found.add(path_join(where, "path"), "must be a folder name");
    bool disk = b->contains("type") && b->at("type") == "disk";
    if (!disk)
        for (std::string_view key : {"max_bytes", "path", "when_full", "sync", "interval_ms"})
            if (b->contains(key)) found.add(path_join(where, key), "is for a disk buffer (type disk)");
}

buffer_config buffer_config::from_params(const json::object& params, const std::string& sink_id) {
    buffer_config c;
    const auto* b = buffer_object(params);
    if (!b) return c;
    c.disk = b->contains("type") && b->at("type") == "disk";
    if (const auto* v = b->if_contains("max_bytes")) c.max_bytes = static_cast<std::uint64_t>(v->as_int64());
    c.path = b->contains("path") ? json::value_to<std::string>(b->at("path")) : "sightline-data/buffer/" + sink_id;
    c.drop_newest = b->contains("when_full") && b->at("when_full") == "drop_newest";
    if (const auto* v = b->if_contains("sync"))
        c.sync = *v == "batch" ? buffer_sync::batch : *v == "interval_ms" ? buffer_sync::interval : buffer_sync::none;
    if (const auto* v = b->if_contains("interval_ms")) c.interval = std::chrono::milliseconds(v->as_int64());
    return c;
}

buffered_input::buffered_input(net::io_context& ioc, std::string sink_id, buffer_config cfg, const tag_table* tags)
    : batch_consumer(ioc.get_executor(), std::move(sink_id)),
      strand_(net::make_strand(ioc)),

      cfg_(std::move(cfg)),
      more_(strand_),
      room_(strand_) {
    disk_buffer::options o;
    o.dir = cfg_.path;
    o.max_bytes = cfg_.max_bytes;
    o.sync = cfg_.sync;
    o.segment_bytes = std::clamp<std::uint64_t>(cfg_.max_bytes / 8, 1024 * 1024, 64ull * 1024 * 1024);
    buffer_ = std::make_shared<disk_buffer>(o, tags);
    const auto& found = buffer_->found_at_open();
    if (found.records || found.torn_records)
        log::write(log::level::info, "sinks", "buffer_recovered",
                   {{"sink", id()}, {"path", cfg_.path}, {"lines", found.lines}, {"records", found.records},
                    {"torn_records", found.torn_records}});
}

buffered_input::~buffered_input() { io_.join(); }

void buffered_input::start() {
    auto self = shared_from_this();
    net::co_spawn(strand_, [self] { return self->take_in(); }, log_exit("sinks", id() + ".buffer"));
    net::co_spawn(strand_, [self] { return self->feed(); }, log_exit("sinks", id() + ".buffer_feed"));
    if (cfg_.sync == buffer_sync::interval)
        net::co_spawn(strand_, [self] { return self->sync_periodically(); }, log_exit("sinks", id() + ".buffer_sync"));
}

net::awaitable<buffered_input::appended> buffered_input::append_on_io(std::shared_ptr<disk_buffer> b,
                                                                      std::shared_ptr<const line_batch> batch) {
    appended a;
    try {
        auto where = b->append(*batch);
        a.result = where ? 1 : 0;
        if (where) a.where = *where;
    } catch (const std::exception& e) {
        log::write(log::level::error, "sinks", "buffer_write_failed", {{"path", b->settings().dir}, {"error", e.what()}});
        a.result = -1;
    }
    co_return a;
}

net::awaitable<std::optional<std::pair<line_batch, disk_buffer::ticket>>> buffered_input::read_on_io(
    std::shared_ptr<disk_buffer> b) {
    co_return b->read_next();
}

net::awaitable<void> buffered_input::sync_on_io(std::shared_ptr<disk_buffer> b) {
    b->sync();
    co_return;
}

void buffered_input::wake_feeder() {
    if (feeder_waiting_) more_.cancel();
}

net::awaitable<void> buffered_input::take_in() {
    for (;;) {
        auto next = co_await next_batch();
        if (!next) break;
        auto batch = std::make_shared<const line_batch>(std::move(*next));
        for (;;) {
            // Named, not a temporary of the co_await: g++ 12 destroys those twice.
            auto op = net::co_spawn(io_.get_executor(), append_on_io(buffer_, batch), use_aw);
            auto a = co_await std::move(op);
            if (a.result == 1) {
                accepted_.fetch_add(batch->size(), std::memory_order_relaxed);
                if (!batch->traces.empty()) traces_[{a.where.segment, a.where.offset}] = batch->traces;
                wake_feeder();
                break;
            }
            if (a.result < 0) {
                // The disk refused it: deliver it from memory rather than lose it.
                write_errors_.fetch_add(1, std::memory_order_relaxed);
                line_batch direct = *batch;
                co_await send_to_sink(std::move(direct));
                break;
            }
            if (cfg_.drop_newest) {
                dropped_.fetch_add(batch->size(), std::memory_order_relaxed);
                break;
            }
            // Full: wait for acknowledgements to make room (they come from other threads).
            blocked_.store(true, std::memory_order_relaxed);
            room_.expires_after(std::chrono::milliseconds(10));
            co_await room_.async_wait(use_aw_ec);
        }
        blocked_.store(false, std::memory_order_relaxed);
    }
    input_ended_ = true;
    wake_feeder();
}

net::awaitable<void> buffered_input::feed() {
    for (;;) {
        auto op = net::co_spawn(io_.get_executor(), read_on_io(buffer_), use_aw);
        auto rec = co_await std::move(op);
        if (!rec) {
            if (input_ended_) break;
            feeder_waiting_ = true;
            more_.expires_after(std::chrono::milliseconds(50));  // also a safety net for a missed wake-up
            co_await more_.async_wait(use_aw_ec);
            feeder_waiting_ = false;
            continue;
        }
        line_batch batch = std::move(rec->first);
        if (auto t = traces_.find({rec->second.segment, rec->second.offset}); t != traces_.end()) {
            batch.traces = std::move(t->second);
            traces_.erase(t);
        }
        batch.receipts.push_back(std::make_shared<buffer_receipt>(buffer_, rec->second));
        fed_.fetch_add(batch.size(), std::memory_order_relaxed);
        co_await send_to_sink(std::move(batch));
    }
    if (cfg_.sync != buffer_sync::none) {
        auto op = net::co_spawn(io_.get_executor(), sync_on_io(buffer_), use_aw);
        co_await std::move(op);
    }
    co_await outputs_.end();
    finished_ = true;
}

net::awaitable<void> buffered_input::send_to_sink(line_batch batch) {
    auto wiring = outputs_.current();  // held until queued: a reload may retarget the buffer
    if (wiring) co_await send_to_port(*wiring, 0, std::move(batch));
}

net::awaitable<void> buffered_input::sync_periodically() {
    net::steady_timer t(strand_);
    while (!input_ended_) {
        t.expires_after(cfg_.interval);
        co_await t.async_wait(use_aw_ec);
        auto op = net::co_spawn(io_.get_executor(), sync_on_io(buffer_), use_aw);
        co_await std::move(op);
    }
}

buffer_stats buffered_input::stats() const {
    auto f = buffer_->stats();
    buffer_stats s;
    s.type = "disk";
    s.path = cfg_.path;
    s.max_bytes = cfg_.max_bytes;
    s.bytes = f.bytes;
    s.lines = f.lines;
    s.segments = f.segments;
    s.accepted = accepted_.load(std::memory_order_relaxed);
    s.dropped = dropped_.load(std::memory_order_relaxed);
    s.write_errors = write_errors_.load(std::memory_order_relaxed);
    s.torn_records = f.torn_records;
    s.recovered_lines = buffer_->found_at_open().lines;
    s.blocked = blocked_.load(std::memory_order_relaxed);
    if (f.oldest_received_us > 0) {
        auto now = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
        s.oldest_age_ms = static_cast<double>(std::max<std::int64_t>(0, now - f.oldest_received_us)) / 1000.0;
    }
    return s;
}

}  // namespace sightline
