#pragma once
#include <boost/json/object.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "sightline/core/net.hpp"
#include "sightline/core/tag_table.hpp"
#include "sightline/ingest/source.hpp"
#include "sightline/observe/error_log.hpp"
#include "sightline/observe/stats.hpp"
#include "sightline/observe/trace_sampler.hpp"
#include "sightline/observe/trace_store.hpp"
#include "sightline/pipeline/graph.hpp"
#include "sightline/pipeline/pipeline_config.hpp"
#include "sightline/pipeline/stage.hpp"
#include "sightline/processors/registry.hpp"
#include "sightline/sinks/buffered_input.hpp"
#include "sightline/sinks/writer_sink.hpp"

namespace sightline {

/// Builds every processor of a validated graph (without running anything); problems of
/// their parameters (a bad regex, a router without routes) go to `found`.
std::map<std::string, std::unique_ptr<processor>> make_processors(const pipeline_graph& g, tag_table& tags,
                                                                 problems& found);

/// Everything a configuration needs checked before it can run, beyond the schema: each
/// source's and sink's own checks (addresses, ports), http.listen, the graph and every
/// processor's parameters. Empty result means valid.
problems validate(const pipeline_config& cfg);

/// The running pipeline: sources, stages and sinks wired as the graph says, all on one
/// io_context. Construction opens every file (inputs and outputs), so a path that
/// cannot be opened fails here with std::runtime_error naming it.
class pipeline {
public:
    /// Throws config_error when the configuration is invalid.
    pipeline(net::io_context& ioc, pipeline_config cfg);

    /// Starts sinks, then stages, then sources. `on_drained` runs once every sink has
    /// flushed after every source ended.
    void start(std::function<void()> on_drained);
    /// Asks every source to stop; the pipeline then drains and `on_drained` runs.
    void stop_sources();
    /// Reopens file sinks (SIGHUP).
    void reopen_sinks();
    /// True once start() ran (for /ready).
    bool running() const { return running_.load(); }
    /// True when every source ends by itself (batch mode is possible).
    bool all_sources_finite() const;

    /// Every component's counters now (no rates: stats_rates adds those).
    pipeline_stats collect() const;
    /// The graph as /pipeline shows it: stages with their descriptions and params, edges.
    boost::json::object describe() const;

    const pipeline_config& config() const { return cfg_; }
    /// Finished traces (null when tracing is off) and error records.
    const trace_store* traces() const { return traces_.get(); }
    const error_log* errors() const { return errors_.get(); }
    const pipeline_graph& graph() const { return graph_; }
    const std::vector<std::shared_ptr<stage>>& stages() const { return stages_; }
    std::chrono::steady_clock::time_point started_at() const { return started_at_; }

private:
    pipeline_config cfg_;
    pipeline_graph graph_;
    tag_table tags_;
    // Declared before the nodes that publish into them, so they outlive them.
    std::unique_ptr<trace_store> traces_;
    std::unique_ptr<error_log> errors_;
    std::shared_ptr<const trace_sampler> sampler_;
    std::vector<std::shared_ptr<source>> sources_;
    std::vector<std::shared_ptr<stage>> stages_;
    std::vector<std::shared_ptr<sink>> sinks_;  // dead-letter sink last, if any
    std::shared_ptr<sink> dead_letter_;
    std::map<std::string, std::shared_ptr<buffered_input>> buffers_;  // by sink id: sinks with a disk buffer
    std::atomic<std::size_t> sinks_running_{0};
    std::atomic<bool> running_{false};
    std::function<void()> on_drained_;
    std::chrono::steady_clock::time_point started_at_ = std::chrono::steady_clock::now();
};

}  // namespace sightline
