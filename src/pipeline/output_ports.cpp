#include "sightline/pipeline/output_ports.hpp"

#include <algorithm>

#include "sightline/core/log_exit.hpp"

namespace sightline {

port_wiring::port_wiring(std::vector<std::vector<batch_consumer*>> ports) : ports_(std::move(ports)) {
    for (const auto& p : ports_)
        for (auto* t : p)
            if (std::find(distinct_.begin(), distinct_.end(), t) == distinct_.end()) {
                distinct_.push_back(t);
                t->add_producer();
            }
    if (!distinct_.empty()) executor_ = distinct_.front()->executor();
}

port_wiring::~port_wiring() {
    if (ended_.exchange(true) || distinct_.empty()) return;
    // Replaced by a reload and let go by its last send: the targets it fed may end now.
    // Posted, not touched here: when the io_context is torn down (the consumers gone
    // with it) the handler is destroyed unrun.
    net::post(executor_, [targets = distinct_] {
        for (auto* t : targets) net::co_spawn(t->executor(), t->send(line_batch::eos()), log_exit("pipeline", t->id()));
    });
}

void port_wiring::add(std::size_t port, batch_consumer* target) {
    ports_.at(port).push_back(target);
    if (std::find(distinct_.begin(), distinct_.end(), target) != distinct_.end()) return;
    distinct_.push_back(target);
    target->add_producer();
    if (distinct_.size() == 1) executor_ = target->executor();
}

net::awaitable<void> port_wiring::end() {
    if (ended_.exchange(true)) co_return;
    co_await end_all(distinct_);
}

output_ports::output_ports(std::size_t ports)
    : ports_(ports), current_(std::make_shared<port_wiring>(std::vector<std::vector<batch_consumer*>>(ports))) {}

void output_ports::connect(std::size_t port, batch_consumer* target) {
    std::lock_guard lock(mutex_);
    if (current_) current_->add(port, target);
}

void output_ports::adopt(std::shared_ptr<port_wiring> w) {
    std::lock_guard lock(mutex_);
    current_ = std::move(w);
}

std::vector<std::vector<batch_consumer*>> output_ports::port_lists() const {
    auto w = current();
    return w ? w->port_lists() : std::vector<std::vector<batch_consumer*>>(ports_);
}

std::shared_ptr<const port_wiring> output_ports::current() const {
    std::lock_guard lock(mutex_);
    return current_;
}

std::vector<batch_consumer*> output_ports::targets() const {
    auto w = current();
    return w ? w->targets() : std::vector<batch_consumer*>{};
}

bool output_ports::rewire(std::vector<std::vector<batch_consumer*>> ports) {
    ports.resize(ports_);
    std::shared_ptr<port_wiring> previous;
    std::lock_guard lock(mutex_);
    // Once the stream is over a new generation must not count as anyone's producer.
    if (ended_) return false;
    // Counted as a producer of the new targets before the old generation can end any.
    previous = std::exchange(current_, std::make_shared<port_wiring>(std::move(ports)));
    return true;  // `previous` ends with the last send holding it (maybe just below, unlocked)
}

net::awaitable<void> output_ports::end() {
    std::shared_ptr<port_wiring> w;
    {
        std::lock_guard lock(mutex_);
        ended_ = true;
        w = std::move(current_);
    }
    if (!w) co_return;
    co_await w->end();
}

net::awaitable<void> send_to_port(const port_wiring& w, std::size_t p, line_batch batch) {
    co_await send_to_all(w.port(p), std::move(batch));
}

}  // namespace sightline
