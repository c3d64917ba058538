#include "sightline/app/application.hpp"

#include <unistd.h>

#include <boost/json/serialize.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>

#include "sightline/alerts/alert_delivery.hpp"
#include "sightline/alerts/alerting.hpp"
#include "sightline/app/fd_limit.hpp"
#include "sightline/app/report.hpp"
#include "sightline/core/log.hpp"
#include "sightline/core/net.hpp"
#include "sightline/app/config_file.hpp"
#include "sightline/core/listen_socket.hpp"
#include "sightline/observe/observer.hpp"
#include "sightline/observe/stats_json.hpp"
#include "sightline/observe/stats_rates.hpp"
#include "sightline/app/pipeline.hpp"
#include "sightline/web/http_server.hpp"

#ifndef SIGHTLINE_VERSION
#define SIGHTLINE_VERSION "0.0.0"
#endif

namespace sightline {

namespace json = boost::json;
namespace fs = std::filesystem;

const char* version_string() { return SIGHTLINE_VERSION; }

namespace {

/// The default configuration: next to an installed binary first, then the source tree.
std::optional<std::string> find_default_config() {
    std::vector<fs::path> candidates;
    std::error_code ec;
    auto exe = fs::read_symlink("/proc/self/exe", ec);
    // The administrator's copy (/etc/sightline, a conffile of the package) before the
    // pristine one under share/.
    if (!ec) candidates.push_back(exe.parent_path().parent_path() / "etc/sightline/sightline.json");
#ifdef SIGHTLINE_SYSCONFDIR
    candidates.push_back(fs::path(SIGHTLINE_SYSCONFDIR) / "sightline/sightline.json");
#endif
    if (!ec) candidates.push_back(exe.parent_path().parent_path() / "share/sightline/conf/sightline.json");
    candidates.push_back("conf/sightline.json");
#ifdef SIGHTLINE_SOURCE_DIR
    candidates.push_back(fs::path(SIGHTLINE_SOURCE_DIR) / "conf/sightline.json");
#endif
    for (const auto& c : candidates)
        if (fs::is_regular_file(c, ec)) return c.string();
    return std::nullopt;
}

/// Inputs and outputs named on the command line replace the config's.
void apply_cli(const cli_options& o, pipeline_config& cfg) {
    if (o.overrides_io()) {
        cfg.sources.clear();
        int n = 0;
        auto next_id = [&n](const char* base) { return ++n == 1 ? std::string(base) : std::string(base) + "_" + std::to_string(n); };
        for (const auto& f : o.files)
            cfg.sources.push_back(make_component("source", "file", next_id(f == "-" ? "stdin" : "file_in"),
                                                 {{"path", f}, {"follow", o.follow}}));
        for (const auto& l : o.listen_tcp) cfg.sources.push_back(make_component("source", "tcp", next_id("tcp_in"), {{"listen", l}}));
        for (const auto& l : o.listen_udp) cfg.sources.push_back(make_component("source", "udp", next_id("udp_in"), {{"listen", l}}));
    }
    if (o.output) {
        cfg.sinks.clear();
        if (*o.output == "-")
            cfg.sinks.push_back(make_component("sink", "stdout", "output", {}));
        else
            cfg.sinks.push_back(make_component("sink", "file", "output", {{"path", *o.output}}));
    }
    if (cfg.processors.empty()) cfg.processors.push_back(make_component("processor", "tagger", "tagger", {}));
    if (cfg.sinks.empty() && !cfg.sources.empty()) cfg.sinks.push_back(make_component("sink", "stdout", "stdout", {}));
    if (o.trace) cfg.trace.enabled = true;
    if (o.trace_sample) {
        cfg.trace.enabled = true;
        cfg.trace.sample = *o.trace_sample;
    }
    if (o.no_dashboard) cfg.http.enabled = false;
    if (o.dashboard) cfg.http.enabled = true;
    auto colon = cfg.http.listen.rfind(':');
    std::string host = colon == std::string::npos ? cfg.http.listen : cfg.http.listen.substr(0, colon);
    std::string port = colon == std::string::npos ? "8000" : cfg.http.listen.substr(colon + 1);
    if (o.dashboard_bind) host = *o.dashboard_bind;
    if (o.dashboard_port) port = std::to_string(*o.dashboard_port);
    cfg.http.listen = host + ":" + port;
}

void init_logging(const cli_options& o, const pipeline_config* cfg) {
    auto level = log::parse_level(o.log_level.value_or(cfg ? cfg->log.level : "info")).value_or(log::level::info);
    std::string fmt = o.log_format.value_or(cfg ? cfg->log.format : "");
    auto format = fmt.empty() ? (::isatty(STDERR_FILENO) ? log::format::text : log::format::json)
                              : log::parse_format(fmt).value_or(log::format::text);
    log::init(level, format);
}

int report_config_error(const std::string& where, const config_error& e) {
    std::cerr << "sightline: invalid configuration" << (where.empty() ? "" : " " + where) << " (" << e.details().size() << " problem"
              << (e.details().size() == 1 ? "" : "s") << "):\n";
    for (const auto& p : e.details().items()) std::cerr << "  " << p << "\n";
    return 2;
}

bool save_metrics(const std::string& path, const pipeline_stats& stats) {
    std::ofstream out(path, std::ios::trunc);
    out << json::serialize(to_json(stats)) << "\n";
    out.close();
    if (!out) {
        log::write(log::level::error, "app", "save_metrics_failed", {{"path", path}});
        std::cerr << "sightline: cannot write metrics to " << path << "\n";
        return false;
    }
    return true;
}

/// Where the dashboard's files are: beside an installed binary, else the source tree.
std::filesystem::path find_static_root() {
    std::error_code ec;
    auto exe = fs::read_symlink("/proc/self/exe", ec);
    std::vector<fs::path> candidates;
    if (!ec) candidates.push_back(exe.parent_path().parent_path() / "share/sightline/static");
    candidates.push_back("static");
#ifdef SIGHTLINE_SOURCE_DIR
    candidates.push_back(fs::path(SIGHTLINE_SOURCE_DIR) / "static");
#endif
    for (const auto& c : candidates)
        if (fs::is_directory(c, ec)) return c;
    return candidates.back();
}

/// The /pipeline document, replaced by each reload (read by any thread).
class pipeline_document {
public:
    explicit pipeline_document(const json::object& doc) { set(doc); }
    void set(const json::object& doc) {
        auto text = std::make_shared<const std::string>(json::serialize(doc));
        std::lock_guard lock(mutex_);
        text_ = std::move(text);
    }
    std::shared_ptr<const std::string> get() const {
        std::lock_guard lock(mutex_);
        return text_;
    }

private:
    mutable std::mutex mutex_;
    std::shared_ptr<const std::string> text_;
};

/// Re-reads the configuration file the process started with, the command line's
/// overrides applied again, and hands it to the pipeline.
reload_result reload_from_file(pipeline& p, const cli_options& o, const std::string& config_path) {
    if (config_path.empty()) {
        reload_result r;
        r.result = reload_result::outcome::refused;
        r.error = "started without a configuration file (--config): nothing to re-read";
        return r;
    }
    problems found;
    auto cfg = load_config_file(config_path, found);
    apply_cli(o, cfg);
    return p.reload(std::move(cfg), std::move(found));
}

/// Runs a reload on the reload thread (it builds and binds: never on the io threads).
net::awaitable<reload_result> reload_on_thread(std::function<reload_result()> run) { co_return run(); }

/// The HTTP side: observer ticking snapshots, broadcaster, server.
struct web_front {
    std::shared_ptr<pipeline_document> document;
    broadcaster hub;
    std::shared_ptr<observer> obs;
    std::shared_ptr<http_server> server;
    std::shared_ptr<alert_delivery> delivery;  // null when no receiver is configured
};

/// Alert rules on every tick, and delivery to Alertmanager and webhooks when configured.
void start_alerting(net::io_context& ioc, const pipeline_config& cfg, web_front& web) {
    const auto& a = cfg.alerts;
    alerting setup;
    setup.evaluator = std::make_shared<alert_evaluator>(a.rules, static_cast<std::size_t>(a.history_capacity));
    if (a.alertmanager || !a.webhooks.empty()) {
        web.delivery =
            std::make_shared<alert_delivery>(ioc, a, (cfg.http.tls ? "https://" : "http://") + cfg.http.listen + "/alerts");
        web.delivery->start();
        auto d = web.delivery;
        setup.on_change = [d](std::vector<alert> changed, std::vector<alert> firing) {
            d->notify(std::move(changed), std::move(firing));
        };
        setup.delivery_stats = [d] { return d->stats(); };
    }
    web.obs->set_tick_hook(make_alert_hook(std::move(setup)));
}

std::unique_ptr<web_front> start_web(net::io_context& ioc, pipeline& p, std::function<reload_result()> reload,
                                     net::any_io_executor reload_thread) {
    const auto& http_cfg = p.config().http;
    auto web = std::make_unique<web_front>();
    web->document = std::make_shared<pipeline_document>(p.describe());
    web->obs = std::make_shared<observer>(ioc, [&p] { return p.collect(); },
                                          std::chrono::milliseconds(http_cfg.push_interval_ms));
    auto* hub = &web->hub;
    // Set below, once the server exists (the observer starts after it).
    auto web_server = std::make_shared<std::weak_ptr<http_server>>();
    web->obs->set_system_extra([hub, web_server](system_stats& system) {
        system.websocket_clients = hub->clients();
        system.websocket_frames_dropped = hub->frames_dropped();
        system.websocket_frames_dropped_by_type = named_counts{{"stats", hub->frames_dropped(frame_kind::stats)},
                                                               {"trace", hub->frames_dropped(frame_kind::trace)},
                                                               {"error", hub->frames_dropped(frame_kind::error)}};
        system.websocket_queued_bytes = hub->queued_bytes();
        system.websocket_slow_clients_closed = hub->slow_clients_closed();
        if (auto server = web_server->lock()) system.http_tls = server->tls_figures();
    });
    web->obs->set_health_thresholds(p.config().health);
    web->obs->set_feeds(p.traces(), p.errors());
    start_alerting(ioc, p.config(), *web);
    web->obs->on_snapshot([hub](const std::shared_ptr<const snapshot>& s) {
        if (s->health_frame) hub->publish(s->health_frame, frame_kind::control);
        if (s->circuit_frame) hub->publish(s->circuit_frame, frame_kind::control);
        if (s->alert_frame) hub->publish(s->alert_frame, frame_kind::control);
        hub->publish(s->stats_frame, frame_kind::stats);
        if (s->trace_frame) hub->publish_traces(s->new_traces, s->trace_frame, s->seq);
        if (s->error_frame) hub->publish(s->error_frame, frame_kind::error);
    });
    api_context ctx;
    auto obs = web->obs;
    ctx.latest = [obs] { return obs->latest(); };
    ctx.pipeline_json = [doc = web->document] { return doc->get(); };
    ctx.reload = [reload, reload_thread]() -> net::awaitable<std::pair<http::status, std::string>> {
        auto op = net::co_spawn(reload_thread, reload_on_thread(reload), use_aw);
        auto r = co_await std::move(op);
        auto status = r.result == reload_result::outcome::applied   ? http::status::ok
                      : r.result == reload_result::outcome::invalid ? http::status::bad_request
                                                                    : http::status::conflict;
        co_return std::make_pair(status, json::serialize(r.to_json()));
    };
    // Every applied reload: the new document for /pipeline and the hello, and a push.
    p.on_reload([doc = web->document, hub](const reload_result& r, const json::object& pipeline_doc) {
        doc->set(pipeline_doc);
        json::object frame{{"type", "pipeline"}, {"pipeline", pipeline_doc}, {"changes", r.changes.to_json()},
                           {"duration_ms", r.duration_ms}};
        hub->publish(std::make_shared<const std::string>(json::serialize(frame)), frame_kind::control);
    });
    ctx.static_root = find_static_root();
    // Beside static/: the source tree's node_modules, or the one installed with the static files.
    ctx.vendor_root = fs::absolute(ctx.static_root).parent_path() / "node_modules";
    ctx.push_interval = std::chrono::milliseconds(http_cfg.push_interval_ms);
    ctx.token = http_cfg.token;
    ctx.allowed_origins = http_cfg.allowed_origins;
    ctx.allowed_hosts = http_cfg.allowed_hosts;
    ctx.ready = [&p] { return p.running(); };
    ctx.traces = p.traces();
    ctx.errors = p.errors();
    web->server = std::make_shared<http_server>(ioc, parse_endpoint(http_cfg.listen), std::move(ctx), web->hub,
                                                limits_of(http_cfg), http_cfg.tls);
    *web_server = web->server;
    web->obs->start();
    web->server->start();
    return web;
}

int run_pipeline(const cli_options& o, pipeline_config cfg, const std::string& config_path) {
    auto fds = raise_fd_limit();
    log::write(log::level::debug, "app", "fd_limit", {{"soft", fds.soft}, {"hard", fds.hard}});
    unsigned threads = o.threads ? o.threads : std::max(1u, std::thread::hardware_concurrency());
    net::io_context ioc(static_cast<int>(threads));
    // Signals are caught from before the first port opens: a SIGTERM that arrives while
    // starting is then a graceful stop, not the default kill.
    net::signal_set signals(ioc, SIGINT, SIGTERM, SIGHUP);
    std::unique_ptr<pipeline> p;
    // Reloads build and bind off the io threads, one at a time (declared after the
    // pipeline: joined before it goes).
    net::thread_pool reload_thread(1);
    auto reload = [&p, &o, &config_path] { return reload_from_file(*p, o, config_path); };
    std::unique_ptr<web_front> web;
    // Batch mode: only files read once and no --dashboard: exit when the input is done.
    bool serve_after_input = false;
    try {
        p = std::make_unique<pipeline>(ioc, std::move(cfg));
        bool batch = p->all_sources_finite() && !o.dashboard;
        serve_after_input = !batch && p->all_sources_finite();
        if (p->config().http.enabled && !batch) web = start_web(ioc, *p, reload, reload_thread.get_executor());
    } catch (const config_error& e) {
        return report_config_error("", e);
    } catch (const std::exception& e) {
        log::write(log::level::error, "app", "startup_failed", {{"error", e.what()}});
        std::cerr << "sightline: " << e.what() << "\n";
        return 1;
    }

    std::atomic<bool> drained{false};
    auto finish = [&] {
        if (!web) {
            net::post(ioc, [&] { ioc.stop(); });
            return;
        }
        web->server->stop();
        if (web->delivery) web->delivery->stop();
        web->obs->stop([&] { ioc.stop(); });
    };
    // First SIGINT/SIGTERM: stop reading and drain. Second: leave at once.
    std::atomic<int> stop_signals{0};
    std::function<void()> wait_signal = [&] {
        signals.async_wait([&](const error_code& ec, int sig) {
            if (ec) return;
            if (sig == SIGHUP) {
                // Log rotation first (files reopened), then certificates and the
                // configuration read again, off the io threads.
                p->reopen_sinks();
                std::shared_ptr<http_server> server = web ? web->server : nullptr;
                net::post(reload_thread, [raw = p.get(), server] {
                    raw->reload_tls();
                    if (server) server->reload_tls();
                });
                net::co_spawn(reload_thread, reload_on_thread(reload), net::detached);
            } else if (++stop_signals == 1) {
                log::write(log::level::info, "app", "shutdown_requested", {{"signal", sig}});
                if (drained)
                    finish();
                else
                    p->stop_sources();
            } else {
                log::write(log::level::warn, "app", "shutdown_forced", {{"signal", sig}});
                std::_Exit(1);
            }
            wait_signal();
        });
    };
    wait_signal();

    auto t0 = std::chrono::steady_clock::now();
    // The completion record and --save-metrics measure rates over the whole run.
    stats_rates run_rates;
    auto at_start = p->collect();
    run_rates.apply(at_start, t0);
    p->start([&] {
        // Every sink has flushed after every source ended.
        drained = true;
        if (serve_after_input && stop_signals == 0) {
            log::write(log::level::info, "app", "input_finished", {{"serving", true}});
            return;
        }
        finish();
    });
    std::vector<std::thread> pool;
    // A handler that throws must not take the process down (or leave a thread to
    // std::terminate): log it and keep serving.
    auto run_io = [&ioc] {
        for (;;) {
            try {
                ioc.run();
                return;
            } catch (const std::exception& e) {
                log::write(log::level::error, "app", "handler_failed", {{"error", e.what()}});
            } catch (...) {
                log::write(log::level::error, "app", "handler_failed", {{"error", "unknown exception"}});
            }
        }
    };
    for (unsigned i = 1; i < threads; ++i) pool.emplace_back(run_io);
    run_io();
    for (auto& t : pool) t.join();
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    auto stats = p->collect();
    run_rates.apply(stats, std::chrono::steady_clock::now());
    log::write(log::level::info, "pipeline", "pipeline_completed", completion_json(stats, seconds));
    if (o.save_metrics && !save_metrics(*o.save_metrics, stats)) return 1;
    return 0;
}

}  // namespace

int run_application(const cli_options& o) {
    if (o.help) {
        std::cout << cli_help();
        return 0;
    }
    if (o.version) {
        std::cout << "sightline " << version_string() << "\n";
        return 0;
    }
    if (o.list_components) {
        std::cout << format_component_list();
        return 0;
    }
    if (o.list_processors) {
        std::cout << format_processor_list();
        return 0;
    }
    init_logging(o, nullptr);

    std::string config_path;
    pipeline_config cfg;
    if (o.config) {
        config_path = *o.config;
    } else if (!o.overrides_io()) {
        auto found = find_default_config();
        if (!found) {
            std::cerr << "sightline: no --config given and no default conf/sightline.json found\n";
            return 2;
        }
        config_path = *found;
    }
    problems found;
    if (!config_path.empty()) cfg = load_config_file(config_path, found);
    if (found.empty()) init_logging(o, &cfg);
    apply_cli(o, cfg);
    // Schema problems and graph problems are reported together: one run shows them all.
    found.merge(validate(cfg));
    if (!found.empty()) {
        log::write(log::level::error, "app", "config_invalid", {{"path", config_path}, {"problems", found.size()}});
        return report_config_error(config_path, config_error(std::move(found)));
    }

    if (o.check || o.describe) {
        if (o.describe) {
            problems ignored;
            std::cout << format_describe(cfg, build_graph(cfg, ignored));
        } else {
            std::cout << "configuration OK: " << cfg.sources.size() << " source(s), " << cfg.processors.size()
                      << " stage(s), " << cfg.sinks.size() << " sink(s)\n";
        }
        return 0;
    }
    if (cfg.sources.empty()) {
        std::cerr << "sightline: no sources: give --file, --listen-tcp or --listen-udp, or add \"sources\" to the config\n";
        return 2;
    }
    return run_pipeline(o, std::move(cfg), config_path);
}

}  // namespace sightline
