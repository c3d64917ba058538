#pragma once
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace sightline {

/// Everything the command line can say (DESIGN.md §2).
struct cli_options {
    std::optional<std::string> config;
    std::vector<std::string> files;
    bool follow = false;
    std::optional<std::string> output;
    std::vector<std::string> listen_tcp;
    std::vector<std::string> listen_udp;
    bool trace = false;
    std::optional<double> trace_sample;
    bool dashboard = false;
    bool no_dashboard = false;
    std::optional<int> dashboard_port;
    std::optional<std::string> dashboard_bind;
    std::optional<std::string> save_metrics;
    bool check = false;
    bool describe = false;
    bool list_processors = false;
    bool list_components = false;
    unsigned threads = 0;  // 0: hardware threads
    std::optional<std::string> log_level;
    std::optional<std::string> log_format;
    bool version = false;
    bool help = false;

    /// True when the command line names inputs or outputs (they replace the config's).
    bool overrides_io() const { return !files.empty() || !listen_tcp.empty() || !listen_udp.empty(); }
};

/// A command line that cannot be understood; exit code 2.
class usage_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Parses argv; throws usage_error with a message naming the bad option.
cli_options parse_cli(int argc, const char* const* argv);

/// The --help text.
std::string cli_help();

}  // namespace sightline
