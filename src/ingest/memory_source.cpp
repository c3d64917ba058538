#include "sightline/ingest/memory_source.hpp"

#include "sightline/core/log_exit.hpp"

namespace sightline {

memory_source::memory_source(net::io_context& ioc, std::string id, std::string type, std::vector<std::string> lines)
    : source(std::move(id), std::move(type)), strand_(net::make_strand(ioc)), lines_(std::move(lines)) {}

void memory_source::start(std::function<void()> on_done) {
    on_done_ = std::move(on_done);
    net::co_spawn(strand_, [self = shared_from_this()] { return self->run(); }, log_exit("ingest", id()));
}

net::awaitable<void> memory_source::run() {
    line_batch batch;
    for (const auto& l : lines_) batch.append(l);
    stamp(batch);  // ids now, so line_ids() can map them back to the lines
    for (const auto& l : batch.lines) ids_.push_back(l.line_id);
    sent_ = true;
    co_await end_stream(std::move(batch));
    set_running(false);
}

std::vector<std::uint64_t> memory_source::line_ids() const {
    return sent_ ? ids_ : std::vector<std::uint64_t>{};
}

}  // namespace sightline
