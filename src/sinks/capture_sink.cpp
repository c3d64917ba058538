#include "sightline/sinks/capture_sink.hpp"

#include <boost/json/parse.hpp>

#include "sightline/core/field_keys.hpp"
#include "sightline/core/json_text.hpp"
#include "sightline/core/log_exit.hpp"
#include "sightline/core/time_format.hpp"

namespace sightline {

namespace json = boost::json;

capture_sink::capture_sink(net::io_context& ioc, std::string id, std::string type) : sink(ioc, std::move(id), std::move(type)) {}

void capture_sink::start(std::function<void()> on_done) {
    on_done_ = std::move(on_done);
    net::co_spawn(strand_, [self = self_as<capture_sink>()] { return self->run(); }, log_exit("sinks", id()));
}

std::vector<capture_sink::delivered> capture_sink::lines() const {
    std::lock_guard lock(mutex_);
    return lines_;
}

namespace {
json::object fields_of(const line_batch& b, std::size_t i) {
    std::string text = "{";
    for (const auto& f : b.fields_of(i)) {
        if (text.size() > 1) text.push_back(',');
        append_json_string(text, field_keys::name(f.key));
        text.push_back(':');
        append_json_value(text, b.value_of(f));
    }
    text.push_back('}');
    return json::parse(text).as_object();
}
}  // namespace

net::awaitable<void> capture_sink::run() {
    for (;;) {
        auto batch = co_await next_batch();
        if (!batch) break;
        std::vector<delivered> got;
        for (std::size_t i = 0; i < batch->size(); ++i) {
            delivered d;
            d.line_id = batch->lines[i].line_id;
            format_.format_line(*batch, i, d.text);
            d.fields = fields_of(*batch, i);
            got.push_back(std::move(d));
        }
        metrics.lines.add(batch->size());
        metrics.bytes.add(batch->content_bytes() + batch->size());
        {
            std::lock_guard lock(mutex_);
            for (auto& d : got) lines_.push_back(std::move(d));
        }
        if (traces_ && !batch->traces.empty()) {
            auto now = unix_us(std::chrono::system_clock::now());
            std::vector<trace_ptr> done;
            for (auto& t : batch->traces) {
                t.record->add_at(now, id(), "sink");
                t.record->outcome = id();
                done.push_back(std::move(t.record));
            }
            traces_->add(std::move(done));
        }
    }
    co_await finish();
}

}  // namespace sightline
