#include "sightline/app/pipeline.hpp"

#include <boost/json/value_to.hpp>
#include <algorithm>
#include <filesystem>
#include <thread>

#include "sightline/core/log.hpp"
#include "sightline/app/component_registry.hpp"
#include "sightline/core/listen_socket.hpp"
#include "sightline/observe/process_stats.hpp"
#include "sightline/observe/stats_merge.hpp"
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
    // A replay of this pipeline's own dead letter would replay again what fails again.
    if (cfg.dead_letter_path)
        for (std::size_t i = 0; i < cfg.sources.size(); ++i) {
            const auto& c = cfg.sources[i];
            if (c.type != "dead_letter" || !c.valid) continue;
            std::error_code ec;
            auto replayed = std::filesystem::weakly_canonical(std::string(c.params.at("path").as_string()), ec);
            auto own = std::filesystem::weakly_canonical(*cfg.dead_letter_path, ec);
            if (!ec && replayed == own)
                found.add(c.path + ".path", "is this pipeline's own dead letter: lines failing again would be replayed "
                                             "again; move the file aside and replay that");
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

namespace {

/// Index of the component `id` in `list`, or nullopt.
std::optional<std::size_t> index_of(const std::vector<component_config>& list, const std::string& id) {
    for (std::size_t i = 0; i < list.size(); ++i)
        if (list[i].id == id) return i;
    return std::nullopt;
}

template <class List, class T>
bool holds(const List& list, const T* x) {
    return std::any_of(list.begin(), list.end(), [x](const auto& p) { return p.get() == x; });
}

/// Adds `x` to the figures of its id in `m`.
template <class Stats>
void add_to(std::map<std::string, Stats>& m, const Stats& x) {
    auto [it, fresh] = m.try_emplace(x.id, x);
    if (!fresh) add_counters(it->second, x);
}

/// The current component's figures plus those of its retired predecessors (`extra`, by
/// id, consumed); what is left of `extra` afterwards has no successor.
template <class Stats>
void merge_into(Stats& x, std::map<std::string, Stats>& extra) {
    if (auto it = extra.find(x.id); it != extra.end()) {
        add_counters(x, it->second);
        extra.erase(it);
    }
}

double unix_now_s() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

json::object reload_result::to_json() const {
    json::object o;
    o["result"] = result == outcome::applied ? "applied" : result == outcome::invalid ? "invalid" : "refused";
    if (result == outcome::invalid) {
        json::array list;
        for (std::size_t i = 0; i < found.size(); ++i)
            list.push_back(json::object{{"path", found.path(i)}, {"message", found.message(i)}});
        o["problems"] = std::move(list);
    }
    if (!error.empty()) o["error"] = error;
    if (result == outcome::applied) o["changes"] = changes.to_json();
    o["duration_ms"] = duration_ms;
    return o;
}

batch_consumer* pipeline::wired_graph::consumer(const std::string& id) const {
    if (auto it = buffers.find(id); it != buffers.end()) return it->second.get();
    for (const auto& s : stages)
        if (s->id() == id) return s.get();
    for (const auto& s : sinks)
        if (s->id() == id) return s.get();
    return nullptr;
}

/// A graph being built: the components of the next configuration (running ones reused
/// where they are built the same way) and which of them are new.
struct pipeline::plan {
    wired_graph next;
    std::vector<std::shared_ptr<source>> new_sources;
    std::vector<std::shared_ptr<stage>> new_stages;
    std::vector<std::shared_ptr<sink>> new_sinks;
    std::vector<std::shared_ptr<buffered_input>> new_buffers;
    /// Changed sources whose successor needs what they hold (their address): built after
    /// they stopped, their outputs counted beforehand. By index into next.sources.
    std::map<std::size_t, std::shared_ptr<port_wiring>> deferred;
    std::vector<std::string> restart_required;
};

pipeline::plan pipeline::build(std::shared_ptr<const pipeline_config> cfg, const wired_graph* running) {
    plan p;
    p.next.cfg = cfg;
    problems found;
    p.next.graph = build_graph(*cfg, found);
    auto processors = make_processors(p.next.graph, tags_, found);
    if (!found.empty()) throw config_error(std::move(found));

    for (const auto& c : cfg->sinks) {
        std::shared_ptr<sink> s;
        std::shared_ptr<buffered_input> old_buffer;
        if (running) {
            auto i = index_of(running->cfg->sinks, c.id);
            if (i && same_component(running->cfg->sinks[*i], c)) s = running->sinks[*i];
            if (auto b = running->buffers.find(c.id); i && b != running->buffers.end()) old_buffer = b->second;
        }
        if (!s) {
            s = factory_.make_sink(ioc_, c);
            s->set_format(line_format::from_params(c.params, &tags_));
            s->set_observers(traces_.get(), errors_.get());
            p.new_sinks.push_back(s);
        }
        p.next.sinks.push_back(s);
        auto bc = buffer_config::from_params(c.params, c.id);
        if (!bc.disk) continue;
        if (old_buffer && old_buffer->config().path == bc.path) {
            // One folder, one buffer: the running one stays (with its settings, if they changed).
            if (!(old_buffer->config() == bc)) p.restart_required.push_back(c.path + ".buffer");
            p.next.buffers[c.id] = old_buffer;
            continue;
        }
        // The disk buffer takes the sink's place in the graph and feeds it.
        auto b = std::make_shared<buffered_input>(ioc_, c.id, std::move(bc), &tags_);
        p.new_buffers.push_back(b);
        p.next.buffers[c.id] = std::move(b);
    }
    for (const auto& n : p.next.graph.nodes) {
        if (n.kind() != "processor") continue;
        if (running) {
            auto i = index_of(running->cfg->processors, n.id());
            if (i && same_component(running->cfg->processors[*i], *n.config)) {
                p.next.stages.push_back(running->stages[*i]);
                continue;
            }
        }
        stage_options o;
        o.id = n.id();
        o.type = n.config->type;
        o.proc = std::move(processors.at(n.id()));
        for (const auto& port : n.ports) o.port_routes.push_back(port.route());
        o.retry = n.config->retry;
        o.circuit = n.config->circuit;
        auto st = std::make_shared<stage>(ioc_, std::move(o));
        st->set_observers(traces_.get(), errors_.get());
        p.new_stages.push_back(st);
        p.next.stages.push_back(std::move(st));
    }
    for (const auto& c : cfg->sources) {
        std::optional<std::size_t> i;
        if (running) i = index_of(running->cfg->sources, c.id);
        if (i && same_component(running->cfg->sources[*i], c)) {
            p.next.sources.push_back(running->sources[*i]);
            continue;
        }
        try {
            auto src = factory_.make_source(ioc_, c);  // bound and listening (or open) from here on
            src->set_running(true);
            src->set_sampler(sampler_);
            p.new_sources.push_back(src);
            p.next.sources.push_back(std::move(src));
        } catch (const std::exception&) {
            // A changed listener whose successor wants its address: built once it stopped.
            if (!i || !running->sources[*i] || !running->sources[*i]->listens()) throw;
            p.deferred[p.next.sources.size()] = nullptr;
            p.next.sources.push_back(nullptr);
        }
    }
    return p;
}

std::vector<std::vector<batch_consumer*>> pipeline::ports_of(const graph_node& n, const wired_graph& g) const {
    std::vector<std::vector<batch_consumer*>> ports;
    for (const auto& port : n.ports) {
        ports.emplace_back();
        for (const auto& t : port.targets) ports.back().push_back(g.consumer(t));
    }
    return ports;
}

void pipeline::wire_new(plan& p) {
    // Every producer is counted by its consumers (here, before anything new runs) so a
    // consumer ends exactly when all of them have.
    for (auto& s : p.new_sinks)
        if (dead_letter_) s->set_dead_letter(dead_letter_.get());  // lines a sink fails to write
    for (auto& b : p.new_buffers)
        for (const auto& s : p.next.sinks)
            if (s->id() == b->id()) b->connect(s.get());
    std::size_t next_source = 0;
    for (const auto& n : p.next.graph.nodes) {
        if (n.kind() == "source") {
            auto index = next_source++;
            auto& src = p.next.sources[index];
            if (p.deferred.count(index)) {
                p.deferred[index] = std::make_shared<port_wiring>(ports_of(n, p.next));
                continue;
            }
            if (!holds(p.new_sources, src.get())) continue;
            auto ports = ports_of(n, p.next);
            for (auto* t : ports.at(0)) src->connect(t);
        } else if (n.kind() == "processor") {
            auto it = std::find_if(p.new_stages.begin(), p.new_stages.end(), [&](const auto& s) { return s->id() == n.id(); });
            if (it == p.new_stages.end()) continue;
            auto ports = ports_of(n, p.next);
            for (std::size_t port = 0; port < ports.size(); ++port)
                for (auto* t : ports[port]) (*it)->connect(port, t);
            if (dead_letter_) (*it)->set_dead_letter(dead_letter_.get());
        }
    }
}

pipeline::pipeline(net::io_context& ioc, pipeline_config cfg, component_factory factory)
    : ioc_(ioc), cfg_(std::move(cfg)), factory_(std::move(factory)) {
    if (!factory_.make_source)
        factory_.make_source = [](net::io_context& ioc, const component_config& c) { return find_source_type(c.type)->create(ioc, c); };
    if (!factory_.make_sink)
        factory_.make_sink = [](net::io_context& ioc, const component_config& c) { return find_sink_type(c.type)->create(ioc, c); };
    if (!factory_.make_dead_letter)
        factory_.make_dead_letter = [](net::io_context& ioc, const std::string& path) -> std::shared_ptr<sink> {
            return std::make_shared<writer_sink>(ioc, std::string(dead_letter_id), "dead_letter",
                                                 fd_writer::open_append(path, 256 * 1024), std::chrono::milliseconds(1000));
        };
    errors_ = std::make_unique<error_log>(static_cast<std::size_t>(cfg_.errors_capacity));
    if (cfg_.trace.enabled) {
        traces_ = std::make_unique<trace_store>(static_cast<std::size_t>(cfg_.trace.capacity));
        sampler_ = std::make_shared<trace_sampler>(cfg_.trace.sample);
    }
    auto p = build(std::make_shared<const pipeline_config>(cfg_), nullptr);
    // After the sinks: a file sink with `mkdir` may create the dead letter's folder.
    if (cfg_.dead_letter_path) dead_letter_ = factory_.make_dead_letter(ioc, *cfg_.dead_letter_path);
    wire_new(p);
    current_ = std::move(p.next);
}

pipeline::~pipeline() = default;

void pipeline::start_sink(const std::shared_ptr<sink>& s) {
    // Counted in sinks_running_ already (see reload: before any old sink can end).
    s->start([this, raw = s.get()] {
        {
            std::lock_guard lock(mutex_);
            finished_sinks_.push_back(raw);
        }
        if (--sinks_running_ == 0 && on_drained_) on_drained_();
    });
}

void pipeline::start(std::function<void()> on_drained) {
    on_drained_ = std::move(on_drained);
    started_at_ = std::chrono::steady_clock::now();
    json::array ids;
    std::size_t sources = 0, sinks = 0;
    {
        std::lock_guard lock(mutex_);
        sinks_running_ += current_.sinks.size() + (dead_letter_ ? 1 : 0);
        for (auto& s : current_.sinks) start_sink(s);
        if (dead_letter_) start_sink(dead_letter_);
        for (auto& [id, b] : current_.buffers) b->start();
        for (auto& s : current_.stages) s->start();
        for (auto& s : current_.sources) s->start([src = s.get()] { src->set_running(false); });
        running_ = true;
        for (const auto& s : current_.stages) ids.emplace_back(s->id());
        sources = current_.sources.size();
        sinks = current_.sinks.size() + (dead_letter_ ? 1 : 0);
    }
    log::write(log::level::info, "pipeline", "pipeline_started", {{"stages", ids}, {"sources", sources}, {"sinks", sinks}});
    if (sinks == 0 && on_drained_) on_drained_();
}

void pipeline::stop_sources() {
    stopping_ = true;
    std::lock_guard lock(mutex_);
    for (auto& s : current_.sources)
        if (s) s->stop();
}

void pipeline::reopen_sinks() {
    std::lock_guard lock(mutex_);
    for (auto& s : current_.sinks) s->reopen();
    if (dead_letter_) dead_letter_->reopen();
}

void pipeline::reload_tls() {
    std::vector<std::shared_ptr<source>> sources;
    {
        std::lock_guard lock(mutex_);
        sources = current_.sources;
    }
    for (auto& s : sources)
        if (s) s->reload_tls();
}

bool pipeline::all_sources_finite() const {
    std::lock_guard lock(mutex_);
    return std::all_of(current_.sources.begin(), current_.sources.end(), [](const auto& s) { return !s || s->finite(); });
}

void pipeline::count_reload(const reload_result& r) {
    std::lock_guard lock(mutex_);
    bool ok = r.result == reload_result::outcome::applied;
    ++(ok ? reloads_ok_ : reloads_failed_);
    last_reload_unix_s_ = unix_now_s();
    last_reload_problems_.clear();
    if (ok) return;
    last_reload_problems_ = r.found.items();
    if (last_reload_problems_.empty()) last_reload_problems_.push_back(r.error);
}

reload_result pipeline::reload(pipeline_config next_cfg, problems found_loading) {
    std::lock_guard one_at_a_time(reload_mutex_);
    auto t0 = std::chrono::steady_clock::now();
    reload_result r;
    auto finish = [&](reload_result::outcome o) {
        r.result = o;
        r.duration_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        bool ok = o == reload_result::outcome::applied;
        count_reload(r);
        auto fields = r.to_json();
        log::write(ok ? log::level::info : log::level::error, "pipeline", ok ? "pipeline_reloaded" : "reload_failed",
                   std::move(fields));
        return r;
    };
    if (stopping_ || !running_) {
        r.error = stopping_ ? "the pipeline is stopping" : "the pipeline is not running";
        return finish(reload_result::outcome::refused);
    }
    r.found = std::move(found_loading);
    r.found.merge(validate(next_cfg));
    if (!r.found.empty()) return finish(reload_result::outcome::invalid);

    wired_graph running;
    {
        std::lock_guard lock(mutex_);
        running = current_;
    }
    auto cfg = std::make_shared<const pipeline_config>(std::move(next_cfg));
    plan p;
    try {
        p = build(cfg, &running);
    } catch (const config_error& e) {
        r.found = e.details();
        return finish(reload_result::outcome::invalid);
    } catch (const std::exception& e) {
        // Nothing was wired or started: what was built goes away unused.
        r.error = e.what();
        return finish(reload_result::outcome::refused);
    }
    r.changes = diff_configs(*running.cfg, *cfg);
    for (auto& path : p.restart_required) r.changes.restart_required.push_back(std::move(path));
    wire_new(p);
    // The new sinks count as running before a rewire can let an old one finish: else
    // the last old sink to end would look like the end of the whole pipeline.
    sinks_running_ += p.new_sinks.size();

    // Kept producers lead to the new graph: their new targets count them before the old
    // targets get their end-of-stream.
    auto mark_rewired = [&](const std::string& kind, const std::string& id) {
        component_ref ref{kind, id};
        auto& u = r.changes.unchanged;
        if (auto it = std::find(u.begin(), u.end(), ref); it != u.end()) {
            u.erase(it);
            r.changes.rewired.push_back(ref);
        }
    };
    std::size_t next_source = 0, next_stage = 0;
    for (const auto& n : p.next.graph.nodes) {
        if (n.kind() == "source") {
            auto& src = p.next.sources[next_source++];
            if (!src || holds(p.new_sources, src.get())) continue;
            auto want = ports_of(n, p.next).at(0);
            if (want != src->targets()) {
                src->rewire(std::move(want));
                mark_rewired("source", n.id());
            }
        } else if (n.kind() == "processor") {
            auto& st = p.next.stages[next_stage++];
            if (holds(p.new_stages, st.get())) continue;
            auto want = ports_of(n, p.next);
            if (want != st->port_targets()) {
                st->rewire(std::move(want));
                mark_rewired("processor", n.id());
            }
        }
    }
    for (auto& [id, b] : p.next.buffers) {
        if (holds(p.new_buffers, b.get())) continue;
        for (const auto& s : p.next.sinks)
            if (s->id() == id && b->target() != s.get()) b->retarget(s.get());  // the buffer stays, its sink was rebuilt
    }

    // The new graph is the pipeline from here; what it no longer holds is retired.
    std::vector<std::shared_ptr<source>> stopping;
    {
        std::lock_guard lock(mutex_);
        current_ = p.next;
        for (const auto& s : running.sources)
            if (s && !holds(p.next.sources, s.get())) {
                retired_.sources.push_back(s);
                stopping.push_back(s);
            }
        for (const auto& s : running.stages)
            if (!holds(p.next.stages, s.get())) retired_.stages.push_back(s);
        for (const auto& s : running.sinks) {
            if (holds(p.next.sinks, s.get())) continue;
            std::shared_ptr<buffered_input> b;
            if (auto it = running.buffers.find(s->id()); it != running.buffers.end()) b = it->second;
            bool buffer_kept = b && std::any_of(p.next.buffers.begin(), p.next.buffers.end(),
                                                [&](const auto& kv) { return kv.second == b; });
            retired_.sinks.emplace_back(s, buffer_kept ? nullptr : b);
        }
        for (const auto& entry : running.buffers) {
            const auto& b = entry.second;  // (no structured binding: clang 14 cannot capture one)
            bool kept = std::any_of(p.next.buffers.begin(), p.next.buffers.end(), [&](const auto& kv) { return kv.second == b; });
            bool with_sink = std::any_of(retired_.sinks.begin(), retired_.sinks.end(), [&](const auto& x) { return x.second == b; });
            if (!kept && !with_sink) retired_.buffers.push_back(b);
        }
    }
    // Consumers first, so what the rewired producers send is taken; then the new sources.
    for (auto& s : p.new_sinks) start_sink(s);
    for (auto& b : p.new_buffers) b->start();
    for (auto& s : p.new_stages) s->start();
    for (auto& s : p.new_sources) s->start([src = s.get()] { src->set_running(false); });
    for (auto& s : stopping) s->stop();  // they drain into their (old) targets and end
    for (auto& [index, wiring] : p.deferred) {
        const auto& c = cfg->sources[index];
        std::shared_ptr<source> src;
        // The old one closes its listener on its strand: try again for a while.
        for (int attempt = 0; attempt < 100 && !src; ++attempt) {
            try {
                src = factory_.make_source(ioc_, c);
            } catch (const std::exception& e) {
                if (attempt == 99) r.error = c.path + ": " + e.what() + " (the old source was stopped)";
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
            }
        }
        if (!src) continue;  // its outputs end with `wiring`: the consumers are not left waiting
        src->set_running(true);
        src->set_sampler(sampler_);
        src->adopt_outputs(std::move(wiring));
        {
            std::lock_guard lock(mutex_);
            current_.sources[index] = src;
        }
        src->start([raw = src.get()] { raw->set_running(false); });
    }
    p.deferred.clear();  // a source that could not be built ends its outputs' streams here
    if (stopping_) stop_sources();  // a stop that came while the new sources started
    finish(reload_result::outcome::applied);
    if (on_reload_) on_reload_(r, describe());
    return r;
}

void pipeline::fold_finished() const {
    auto& R = retired_;
    for (auto it = R.stages.begin(); it != R.stages.end();)
        if ((*it)->finished()) {
            add_to(frozen_.stages, (*it)->stats());
            it = R.stages.erase(it);
        } else {
            ++it;
        }
    for (auto it = R.sources.begin(); it != R.sources.end();)
        if (!(*it)->running()) {
            add_to(frozen_.sources, (*it)->stats());
            it = R.sources.erase(it);
        } else {
            ++it;
        }
    for (auto it = R.sinks.begin(); it != R.sinks.end();) {
        auto done = std::find(finished_sinks_.begin(), finished_sinks_.end(), it->first.get());
        if (done == finished_sinks_.end()) {
            ++it;
            continue;
        }
        auto x = it->first->stats();
        if (it->second) x.buffer = it->second->stats();
        add_to(frozen_.sinks, x);
        finished_sinks_.erase(done);
        it = R.sinks.erase(it);
    }
    for (auto it = R.buffers.begin(); it != R.buffers.end();)
        if ((*it)->finished()) {
            sink_stats x;
            x.id = (*it)->id();
            x.buffer = (*it)->stats();
            add_to(frozen_.sinks, x);
            it = R.buffers.erase(it);
        } else {
            ++it;
        }
}

pipeline_stats pipeline::collect() const {
    pipeline_stats s;
    std::lock_guard lock(mutex_);
    fold_finished();
    // Retired components (draining, or their final figures) add to their successors,
    // or stay listed on their own, so the run's identities hold across reloads.
    auto stages = frozen_.stages;
    auto sources = frozen_.sources;
    auto sinks = frozen_.sinks;
    for (const auto& x : retired_.stages) add_to(stages, x->stats());
    for (const auto& x : retired_.sources) add_to(sources, x->stats());
    for (const auto& [x, b] : retired_.sinks) {
        auto st = x->stats();
        if (b) st.buffer = b->stats();
        add_to(sinks, st);
    }
    for (const auto& b : retired_.buffers) {
        sink_stats st;
        st.id = b->id();
        st.buffer = b->stats();
        add_to(sinks, st);
    }
    for (const auto& x : current_.stages) {
        s.stages.push_back(x->stats());
        merge_into(s.stages.back(), stages);
    }
    for (const auto& x : current_.sources) {
        if (!x) continue;
        s.sources.push_back(x->stats());
        merge_into(s.sources.back(), sources);
    }
    for (const auto& x : current_.sinks) {
        s.sinks.push_back(x->stats());
        if (auto it = current_.buffers.find(x->id()); it != current_.buffers.end()) s.sinks.back().buffer = it->second->stats();
        merge_into(s.sinks.back(), sinks);
    }
    for (auto& [id, x] : stages) {
        x.retired = true;
        s.stages.push_back(std::move(x));
    }
    for (auto& [id, x] : sources) {
        x.retired = true;
        s.sources.push_back(std::move(x));
    }
    for (auto& [id, x] : sinks) {
        x.retired = true;
        s.sinks.push_back(std::move(x));
    }
    if (dead_letter_) s.sinks.push_back(dead_letter_->stats());  // last
    s.system.uptime_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_at_).count();
    s.system.traces_recorded = traces_ ? traces_->total() : 0;
    if (cfg_.trace.enabled) s.system.trace_sample = cfg_.trace.sample;
    s.system.errors_recorded = errors_->total();
    s.system.reloads_applied = reloads_ok_;
    s.system.reloads_failed = reloads_failed_;
    s.system.last_reload_unix_s = last_reload_unix_s_;
    s.system.reload_problems = last_reload_problems_;
    read_process_figures(s.system);
    add_totals(s);
    return s;
}

json::object pipeline::describe() const {
    std::lock_guard lock(mutex_);
    json::array stages, edges;
    for (const auto& n : current_.graph.nodes) {
        json::object o;
        o["id"] = n.id();
        o["kind"] = n.kind();
        o["type"] = n.config->type;
        const auto* schema = find_component_schema(n.kind(), n.config->type);
        o["description"] = schema ? schema->description : "";
        o["params"] = n.config->params;
        stages.emplace_back(std::move(o));
    }
    for (const auto& e : current_.graph.edges) {
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
