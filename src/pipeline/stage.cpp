#include "sightline/pipeline/stage.hpp"

#include <algorithm>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>

#include "sightline/core/log.hpp"
#include "sightline/core/time_format.hpp"

namespace sightline {

stage::stage(net::io_context& ioc, std::string id, std::string type, std::unique_ptr<processor> p,
             std::size_t port_count)
    : batch_consumer(ioc.get_executor(), std::move(id)),
      strand_(net::make_strand(ioc)),
      type_(std::move(type)),
      processor_(std::move(p)),
      runner_(port_count),
      ports_(port_count) {}

void stage::connect(std::size_t port, batch_consumer* target) {
    ports_.at(port).push_back(target);
    target->add_producer();
}

std::vector<batch_consumer*> stage::targets() const {
    std::vector<batch_consumer*> all;
    for (const auto& p : ports_)
        for (auto* t : p)
            if (std::find(all.begin(), all.end(), t) == all.end()) all.push_back(t);
    return all;
}

void stage::start() {
    net::co_spawn(strand_, [self = shared_from_this()] { return self->run(); }, [id = id()](std::exception_ptr e) {
        if (!e) return;
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& ex) {
            log::write(log::level::error, "pipeline.stage", "stage_failed", {{"stage", id}, {"error", ex.what()}});
        }
    });
}

line_batch stage::dead_letter_batch(const std::vector<failed_line>& failures) const {
    line_batch b;
    auto now = format_rfc3339(std::chrono::system_clock::now());
    for (const auto& f : failures) {
        boost::json::object o;
        o["timestamp"] = now;
        o["stage"] = id();
        o["error_type"] = f.error_type;
        o["error"] = f.message;
        o["line"] = f.line;
        b.append(boost::json::serialize(o));
    }
    return b;
}

net::awaitable<void> stage::run() {
    batch_result result;
    for (;;) {
        auto batch = co_await next_batch();
        if (!batch) break;
        const auto n = batch->size();
        metrics.lines_in.add(n);
        auto t0 = std::chrono::steady_clock::now();
        runner_.run(*processor_, std::move(*batch), result);
        auto ns = static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count());
        metrics.busy_ns.add(ns);
        metrics.batches.add();
        metrics.latency.record(ns / n, n);
        metrics.lines_out.add(result.lines_out);
        metrics.errors.add(result.errors);
        if (!result.failures.empty()) {
            std::map<std::string, std::uint64_t> by_type;
            for (const auto& f : result.failures) ++by_type[f.error_type];
            metrics.add_errors_by_type(by_type);
        }
        for (std::size_t r = 0; r < drop_reason_count; ++r) metrics.dropped[r].add(result.dropped[r]);

        for (std::size_t p = 0; p < ports_.size(); ++p) {
            if (result.ports[p].empty()) continue;
            co_await send_to_all(ports_[p], std::move(result.ports[p]));
        }
        if (!result.failures.empty() && dead_letter_) co_await dead_letter_->send(dead_letter_batch(result.failures));
    }
    co_await end_all(targets());
    if (dead_letter_) co_await dead_letter_->send(line_batch::eos());
}

}  // namespace sightline
