#pragma once
#include <boost/json/object.hpp>
#include <functional>
#include <string>
#include <vector>

#include "sightline/observe/metrics.hpp"
#include "sightline/pipeline/batch_consumer.hpp"

namespace sightline {

/// Where lines enter: reads bytes, cuts them into batches and sends them downstream,
/// waiting while the first hand-off is full (TCP and files simply stop reading).
class source {
public:
    source(std::string id, std::string type) : id_(std::move(id)), type_(std::move(type)) {}
    virtual ~source() = default;

    const std::string& id() const { return id_; }
    const std::string& type() const { return type_; }
    /// Wires a consumer (before start()).
    void connect(batch_consumer* target) {
        targets_.push_back(target);
        target->add_producer();
    }
    /// Begins reading; `on_done` runs once the source has sent its end-of-stream.
    virtual void start(std::function<void()> on_done) = 0;
    /// Asks the source to stop reading and end its stream (graceful shutdown).
    virtual void stop() = 0;
    /// True when the source ends by itself (a file read once), so batch mode can exit.
    virtual bool finite() const = 0;
    /// Adds type-specific figures to this source's /stats entry.
    virtual void add_stats(boost::json::object&) const {}

    source_metrics metrics;

protected:
    std::vector<batch_consumer*> targets_;

private:
    std::string id_;
    std::string type_;
};

}  // namespace sightline
