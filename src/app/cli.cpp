#include "sightline/app/cli.hpp"

#include <boost/program_options.hpp>
#include <sstream>

#include "sightline/core/log.hpp"

namespace sightline {

namespace po = boost::program_options;

namespace {

po::options_description describe_options(cli_options& o) {
    // Grouped by task, as --help prints them.
    po::options_description config("Configuration");
    // clang-format off
    config.add_options()
        ("config,c", po::value<std::string>(), "pipeline configuration (JSON); default: conf/sightline.json")
        ("check", po::bool_switch(&o.check), "validate the configuration and exit (0 valid, 2 invalid)")
        ("describe", po::bool_switch(&o.describe), "print the pipeline: stages, parameters, edges");
    po::options_description io("Inputs and outputs (replace the configuration's)");
    io.add_options()
        ("file,f", po::value<std::vector<std::string>>(&o.files)->composing(),
            "read lines from PATH (repeatable; - is standard input); replaces the config's sources")
        ("follow", po::bool_switch(&o.follow), "keep reading appended lines (tail -F)")
        ("output,o", po::value<std::string>(), "write lines to PATH (- is standard output); replaces the config's sinks")
        ("listen-tcp", po::value<std::vector<std::string>>(&o.listen_tcp)->composing(), "receive lines over TCP on HOST:PORT")
        ("listen-udp", po::value<std::vector<std::string>>(&o.listen_udp)->composing(), "receive lines over UDP on HOST:PORT");
    po::options_description observe("Observing");
    observe.add_options()
        ("trace", po::bool_switch(&o.trace), "trace lines through the pipeline")
        ("trace-sample", po::value<double>(), "share of lines traced, in (0, 1]")
        ("dashboard", po::bool_switch(&o.dashboard), "serve the HTTP API and dashboard (keeps running after batch input ends)")
        ("no-dashboard", po::bool_switch(&o.no_dashboard), "do not serve HTTP")
        ("dashboard-port", po::value<int>(), "HTTP port (default 8000)")
        ("dashboard-bind", po::value<std::string>(), "HTTP bind address (default 127.0.0.1)")
        ("save-metrics", po::value<std::string>(), "write the final /stats JSON to FILE at exit");
    po::options_description running("Running");
    running.add_options()
        ("threads", po::value<unsigned>(&o.threads), "io threads (default: hardware threads)")
        ("log-level", po::value<std::string>(), "trace, debug, info, warn or error (default info)")
        ("log-format", po::value<std::string>(), "json or text (default: text on a terminal, else json)");
    po::options_description reference("Reference");
    reference.add_options()
        ("list-processors", po::bool_switch(&o.list_processors), "print every processor type with its parameters")
        ("list-components", po::bool_switch(&o.list_components),
         "print every source, processor and sink type with its parameters")
        ("version", po::bool_switch(&o.version), "print the version")
        ("help,h", po::bool_switch(&o.help), "print this help");
    // clang-format on
    po::options_description all;
    all.add(config).add(io).add(observe).add(running).add(reference);
    return all;
}

}  // namespace

cli_options parse_cli(int argc, const char* const* argv) {
    cli_options o;
    auto desc = describe_options(o);
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(argc, argv).options(desc).run(), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        throw usage_error(e.what());
    }
    if (vm.count("config")) o.config = vm["config"].as<std::string>();
    if (vm.count("output")) o.output = vm["output"].as<std::string>();
    if (vm.count("save-metrics")) o.save_metrics = vm["save-metrics"].as<std::string>();
    if (vm.count("dashboard-bind")) o.dashboard_bind = vm["dashboard-bind"].as<std::string>();
    if (vm.count("dashboard-port")) {
        int port = vm["dashboard-port"].as<int>();
        if (port < 0 || port > 65535) throw usage_error("--dashboard-port must be 0..65535, got " + std::to_string(port));
        o.dashboard_port = port;
    }
    if (vm.count("trace-sample")) {
        double r = vm["trace-sample"].as<double>();
        if (!(r > 0 && r <= 1)) throw usage_error("--trace-sample must be in (0, 1]");
        o.trace_sample = r;
    }
    if (vm.count("log-level")) {
        o.log_level = vm["log-level"].as<std::string>();
        if (!log::parse_level(*o.log_level)) throw usage_error("--log-level must be trace, debug, info, warn or error");
    }
    if (vm.count("log-format")) {
        o.log_format = vm["log-format"].as<std::string>();
        if (!log::parse_format(*o.log_format)) throw usage_error("--log-format must be json or text");
    }
    if (o.dashboard && o.no_dashboard) throw usage_error("--dashboard and --no-dashboard contradict each other");
    if (o.threads > 256) throw usage_error("--threads must be at most 256");
    return o;
}

std::string cli_help() {
    cli_options o;
    std::ostringstream s;
    s << "Usage: sightline [options]\n"
         "       sightline test [--check] FILE...   (pipeline tests: sightline test --help)\n"
         "Runs a line pipeline: sources -> processors -> sinks, observable over HTTP.\n"
         "With no options it runs the default configuration (TCP and UDP on 5140).\n"
      << describe_options(o)
      << "\nExamples:\n"
         "  sightline --file in.txt --output out.txt --config pipeline.json --save-metrics m.json\n"
         "  sightline --check --config pipeline.json\n"
         "  sightline --list-components\n"
         "Signals: SIGTERM or SIGINT drains and exits (a second one exits at once); SIGHUP reopens\n"
         "file sinks and reloads the configuration (as POST /reload does).\n"
         "Exit codes: 0 success, 1 runtime failure, 2 bad usage or invalid configuration.\n";
    return s.str();
}

}  // namespace sightline
