#pragma once
#include <boost/json/object.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "sightline/app/config_diff.hpp"
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

/// What a reload came to (README "Reload").
struct reload_result {
    enum class outcome {
        applied,  // the new graph runs
        invalid,  // the configuration has problems: nothing changed
        refused,  // not now (shutting down, or a component could not be built): nothing changed
    };
    outcome result = outcome::applied;
    /// invalid: every problem with its JSON path.
    problems found;
    /// refused: why. applied: what went wrong on the way (empty when nothing did).
    std::string error;
    config_changes changes;
    double duration_ms = 0;
    /// The answer of POST /reload (and the log record's fields).
    boost::json::object to_json() const;
};

/// Makes a pipeline's sources, sinks and dead letter: by default the registry's types and
/// the dead-letter file. `sightline test` puts in-memory ones in their place.
struct component_factory {
    std::function<std::shared_ptr<source>(net::io_context&, const component_config&)> make_source;
    std::function<std::shared_ptr<sink>(net::io_context&, const component_config&)> make_sink;
    std::function<std::shared_ptr<sink>(net::io_context&, const std::string& path)> make_dead_letter;
};

/// The running pipeline: sources, stages and sinks wired as the graph says, all on one
/// io_context. Construction opens every file (inputs and outputs), so a path that
/// cannot be opened fails here with std::runtime_error naming it. A reload replaces the
/// graph while it runs.
class pipeline {
public:
    /// Throws config_error when the configuration is invalid.
    pipeline(net::io_context& ioc, pipeline_config cfg, component_factory factory = {});
    ~pipeline();

    /// Starts sinks, then stages, then sources. `on_drained` runs once every sink has
    /// flushed after every source ended.
    void start(std::function<void()> on_drained);
    /// Asks every source to stop; the pipeline then drains and `on_drained` runs. No
    /// reload is taken from here on.
    void stop_sources();
    /// Reopens file sinks (SIGHUP).
    void reopen_sinks();
    /// Reads the TLS certificates and keys of every source again (SIGHUP; blocks on the
    /// files: call it off the io threads).
    void reload_tls();
    /// True once start() ran (for /ready).
    bool running() const { return running_.load(); }
    /// True when every source ends by itself (batch mode is possible).
    bool all_sources_finite() const;

    /// Replaces the running graph by `next`'s (README "Reload"). An invalid configuration
    /// changes nothing. Components built the same way keep running (a TCP source keeps
    /// its listener and connections, a stage its state and counters) and are rewired
    /// where their edges changed; new ones are built and started; removed and changed
    /// ones get no new lines, drain what they hold into their targets, and stay in the
    /// statistics. Settings outside the graph are reported as restart_required.
    /// `found_loading`: problems met reading the file (they make it invalid too). Blocks
    /// (building, binding): call it off the io threads. One at a time.
    reload_result reload(pipeline_config next, problems found_loading = problems{});
    /// Called after each applied reload with its result and the new /pipeline document.
    void on_reload(std::function<void(const reload_result&, const boost::json::object&)> f) { on_reload_ = std::move(f); }

    /// Every component's counters now (no rates: stats_rates adds those).
    pipeline_stats collect() const;
    /// The graph as /pipeline shows it: stages with their descriptions and params, edges.
    boost::json::object describe() const;

    /// The configuration the process started with (settings outside the graph never change).
    const pipeline_config& config() const { return cfg_; }
    /// Finished traces (null when tracing is off) and error records.
    const trace_store* traces() const { return traces_.get(); }
    const error_log* errors() const { return errors_.get(); }
    std::chrono::steady_clock::time_point started_at() const { return started_at_; }

private:
    /// The components of one configuration, wired as its graph says.
    struct wired_graph {
        std::shared_ptr<const pipeline_config> cfg;  // the graph's nodes point into it
        pipeline_graph graph;
        std::vector<std::shared_ptr<source>> sources;  // config order
        std::vector<std::shared_ptr<stage>> stages;    // config order
        std::vector<std::shared_ptr<sink>> sinks;      // config order, the dead letter not among them
        std::map<std::string, std::shared_ptr<buffered_input>> buffers;  // by sink id: sinks with a disk buffer
        /// What the node `id` takes its batches through: its stage, its disk buffer or its sink.
        batch_consumer* consumer(const std::string& id) const;
    };
    /// A graph being built from a configuration, and what it takes from the running one.
    struct plan;
    /// Components a reload took out: draining, then folded into `frozen_`.
    struct retired_set {
        std::vector<std::shared_ptr<source>> sources;
        std::vector<std::shared_ptr<stage>> stages;
        std::vector<std::pair<std::shared_ptr<sink>, std::shared_ptr<buffered_input>>> sinks;
        std::vector<std::shared_ptr<buffered_input>> buffers;  // replaced while their sink stayed
    };
    /// Final figures of retired components, by id.
    struct frozen_figures {
        std::map<std::string, stage_stats> stages;
        std::map<std::string, source_stats> sources;
        std::map<std::string, sink_stats> sinks;
    };

    /// Builds the components of `next` (reusing the running ones built the same way)
    /// without wiring or starting anything: throws (and leaves nothing behind) when one
    /// cannot be built.
    plan build(std::shared_ptr<const pipeline_config> next, const wired_graph* running);
    /// Wires the new components' outputs and the dead letter (nothing runs yet).
    void wire_new(plan& p);
    /// Port lists of node `n` of `p`'s graph, as consumers.
    std::vector<std::vector<batch_consumer*>> ports_of(const graph_node& n, const wired_graph& g) const;
    /// Starts a sink already counted in sinks_running_.
    void start_sink(const std::shared_ptr<sink>& s);
    /// Folds retired components that finished into frozen_ (stats mutex held).
    void fold_finished() const;
    void count_reload(const reload_result& r);

    net::io_context& ioc_;
    pipeline_config cfg_;
    component_factory factory_;
    tag_table tags_;
    // Declared before the nodes that publish into them, so they outlive them.
    std::unique_ptr<trace_store> traces_;
    std::unique_ptr<error_log> errors_;
    std::shared_ptr<const trace_sampler> sampler_;
    std::shared_ptr<sink> dead_letter_;
    /// The graph now, and what reloads took out (guarded by mutex_: collect() reads them
    /// on any thread).
    mutable std::mutex mutex_;
    wired_graph current_;
    mutable retired_set retired_;
    mutable frozen_figures frozen_;
    mutable std::vector<const sink*> finished_sinks_;  // sinks whose on_done ran (retired ones are folded)
    std::mutex reload_mutex_;                   // one reload at a time
    std::atomic<std::size_t> sinks_running_{0};
    std::atomic<bool> running_{false};
    std::atomic<bool> stopping_{false};
    std::function<void()> on_drained_;
    std::function<void(const reload_result&, const boost::json::object&)> on_reload_;
    std::chrono::steady_clock::time_point started_at_ = std::chrono::steady_clock::now();
    // Reload figures (system_stats), guarded by mutex_.
    std::uint64_t reloads_ok_ = 0;
    std::uint64_t reloads_failed_ = 0;
    std::optional<double> last_reload_unix_s_;
    std::vector<std::string> last_reload_problems_;
};

}  // namespace sightline
