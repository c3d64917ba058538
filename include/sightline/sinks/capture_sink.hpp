#pragma once
#include <boost/json/object.hpp>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "sightline/sinks/sink.hpp"

namespace sightline {

/// Keeps every line it takes in memory, as its format writes it and with its fields:
/// what `sightline test` puts in place of a configured sink (same id, type and format),
/// and of the dead letter, so that each line's output can be compared with what a test
/// expects.
class capture_sink : public sink {
public:
    /// One line as it arrived here.
    struct delivered {
        std::uint64_t line_id = 0;
        std::string text;            // as the sink's format writes it
        boost::json::object fields;  // the line's fields here
    };

    capture_sink(net::io_context& ioc, std::string id, std::string type);

    void start(std::function<void()> on_done) override;
    /// Every line taken so far, in arrival order.
    std::vector<delivered> lines() const;

private:
    net::awaitable<void> run();

    mutable std::mutex mutex_;
    std::vector<delivered> lines_;
};

}  // namespace sightline
