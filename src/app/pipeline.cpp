#include "sightline/app/pipeline.hpp"

#include <boost/json/value_to.hpp>
#include <filesystem>

#include "sightline/core/log.hpp"
#include "sightline/app/component_registry.hpp"
#include "sightline/core/listen_socket.hpp"
#include "sightline/observe/process_stats.hpp"
#include "sightline/observe/trace_sampler.hpp"

namespace sightline {

namespace json = boost::json;

std::map<std::string, std::unique_ptr<processor>> make_processors(const pipeline_graph& g, tag_table& tags,
                                                                 problems& found) {
    std::map<std::string, std::unique_ptr<processor>> out;
    for (const auto& n : g.nodes) {
        if (n.kind() != "processor" || !n.config->valid) continue;  // invalid ones were reported by the parser
        const auto* d = find_processor_type(n.config->type);
        if (!d) continue;
        build_context ctx{tags,
                          [&n](std::string_view param, std::string_view key) {
                              return pipeline_graph::port_index(n, param, key);
                          },
                          n.config->path, found};
        try {
            if (auto p = d->create(n.config->params, ctx)) out.emplace(n.id(), std::move(p));
        } catch (const std::exception& e) {
            found.add(n.config->path, e.what());
        }
    }
    return out;
}

problems validate(const pipeline_config& cfg) {
    problems found;
    // What each source's and sink's schema cannot say (addresses, ports), for components
    // from the file and from the command line alike.
    for (const auto* list : {&cfg.sources, &cfg.sinks})
        for (const auto& c : *list)
            if (c.valid) check_component(c, found);
    if (cfg.http.enabled) {
        try {
            parse_endpoint(cfg.http.listen);
        } catch (const std::invalid_argument& e) {
            found.add("http.listen", e.what());
        }
    }
    auto g = build_graph(cfg, found);
    tag_table tags;
    make_processors(g, tags, found);
    std::vector<std::string> stages, sources, sinks;
    for (const auto& c : cfg.processors) stages.push_back(c.id);
    for (const auto& c : cfg.sources) sources.push_back(c.id);
    for (const auto& c : cfg.sinks) sinks.push_back(c.id);
    if (cfg.dead_letter_path) sinks.emplace_back(dead_letter_id);
    check_alert_selectors(cfg.alerts, stages, sources, sinks, found);
    return found;
}

pipeline::pipeline(net::io_context& ioc, pipeline_config cfg) : cfg_(std::move(cfg)) {
    problems found;
    graph_ = build_graph(cfg_, found);
    auto processors = make_processors(graph_, tags_, found);
    if (!found.empty()) throw config_error(std::move(found));

    errors_ = std::make_unique<error_log>(static_cast<std::size_t>(cfg_.errors_capacity));
    if (cfg_.trace.enabled) {
        traces_ = std::make_unique<trace_store>(static_cast<std::size_t>(cfg_.trace.capacity));
        sampler_ = std::make_shared<trace_sampler>(cfg_.trace.sample);
    }
    std::map<std::string, batch_consumer*> consumers;
    for (const auto& c : cfg_.sinks) {
        sinks_.push_back(find_sink_type(c.type)->create(ioc, c));
        sinks_.back()->set_format(line_format::from_params(c.params, &tags_));
        sinks_.back()->set_observers(traces_.get(), errors_.get());
        consumers[c.id] = sinks_.back().get();
        if (auto bc = buffer_config::from_params(c.params, c.id); bc.disk) {
            // The disk buffer takes the sink's place in the graph and feeds it.
            auto b = std::make_shared<buffered_input>(ioc, c.id, sinks_.back().get(), std::move(bc), &tags_);
            consumers[c.id] = b.get();
            buffers_[c.id] = std::move(b);
        }
    }
    if (cfg_.dead_letter_path) {
        dead_letter_ = std::make_shared<writer_sink>(ioc, std::string(dead_letter_id), "dead_letter",
                                              fd_writer::open_append(*cfg_.dead_letter_path, 256 * 1024),
                                              std::chrono::milliseconds(1000));
        // Lines a sink fails to write go to the dead letter too (not the dead letter's own).
        for (auto& s : sinks_) s->set_dead_letter(dead_letter_.get());
        sinks_.push_back(dead_letter_);
    }
    for (const auto& n : graph_.nodes) {
        if (n.kind() != "processor") continue;
        stage_options o;
        o.id = n.id();
        o.type = n.config->type;
        o.proc = std::move(processors.at(n.id()));
        for (const auto& port : n.ports) o.port_routes.push_back(port.route());
        o.retry = n.config->retry;
        o.circuit = n.config->circuit;
        stages_.push_back(std::make_shared<stage>(ioc, std::move(o)));
        stages_.back()->set_observers(traces_.get(), errors_.get());
        consumers[n.id()] = stages_.back().get();
    }
    for (const auto& c : cfg_.sources) {
        sources_.push_back(find_source_type(c.type)->create(ioc, c));
        sources_.back()->set_running(true);
        sources_.back()->set_sampler(sampler_);  // bound and listening (or open) from here on
    }

    // Wire edges; every producer is counted by its consumers so drain knows when to end.
    std::size_t next_stage = 0, next_source = 0;
    for (const auto& n : graph_.nodes) {
        if (n.kind() == "source") {
            auto& src = sources_[next_source++];
            for (const auto& t : n.ports.at(0).targets) src->connect(consumers.at(t));
        } else if (n.kind() == "processor") {
            auto& st = stages_[next_stage++];
            for (std::size_t p = 0; p < n.ports.size(); ++p)
                for (const auto& t : n.ports[p].targets) st->connect(p, consumers.at(t));
            if (dead_letter_) st->set_dead_letter(dead_letter_.get());
        }
    }
}

void pipeline::start(std::function<void()> on_drained) {
    on_drained_ = std::move(on_drained);
    started_at_ = std::chrono::steady_clock::now();
    sinks_running_ = sinks_.size();
    auto sink_done = [this] {
        if (--sinks_running_ == 0 && on_drained_) on_drained_();
    };
    for (auto& s : sinks_) s->start(sink_done);
    for (auto& [id, b] : buffers_) b->start();
    for (auto& s : stages_) s->start();
    for (auto& s : sources_) s->start([src = s.get()] { src->set_running(false); });
    running_ = true;
    json::array ids;
    for (const auto& s : stages_) ids.emplace_back(s->id());
    log::write(log::level::info, "pipeline", "pipeline_started",
               {{"stages", ids}, {"sources", sources_.size()}, {"sinks", sinks_.size()}});
    if (sinks_.empty() && on_drained_) on_drained_();
}

void pipeline::stop_sources() {
    for (auto& s : sources_) s->stop();
}

void pipeline::reopen_sinks() {
    for (auto& s : sinks_) s->reopen();
}

bool pipeline::all_sources_finite() const {
    return std::all_of(sources_.begin(), sources_.end(), [](const auto& s) { return s->finite(); });
}

pipeline_stats pipeline::collect() const {
    pipeline_stats s;
    for (const auto& x : stages_) s.stages.push_back(x->stats());
    for (const auto& x : sources_) s.sources.push_back(x->stats());
    for (const auto& x : sinks_) {
        s.sinks.push_back(x->stats());
        if (auto it = buffers_.find(x->id()); it != buffers_.end()) s.sinks.back().buffer = it->second->stats();
    }
    s.system.uptime_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_at_).count();
    s.system.traces_recorded = traces_ ? traces_->total() : 0;
    s.system.errors_recorded = errors_->total();
    read_process_figures(s.system);
    add_totals(s);
    return s;
}

json::object pipeline::describe() const {
    json::array stages, edges;
    for (const auto& n : graph_.nodes) {
        json::object o;
        o["id"] = n.id();
        o["kind"] = n.kind();
        o["type"] = n.config->type;
        const auto* schema = find_component_schema(n.kind(), n.config->type);
        o["description"] = schema ? schema->description : "";
        o["params"] = n.config->params;
        stages.emplace_back(std::move(o));
    }
    for (const auto& e : graph_.edges) {
        json::object o{{"from", e.from}, {"to", e.to}};
        if (e.route.empty())
            o["route"] = nullptr;
        else
            o["route"] = e.route;
        edges.emplace_back(std::move(o));
    }
    return {{"stages", std::move(stages)}, {"edges", std::move(edges)}};
}

}  // namespace sightline
