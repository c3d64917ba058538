#include "sightline/observe/prometheus.hpp"
#include "../support/test_support.hpp"

#include <boost/test/unit_test.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using sightline::to_prometheus;

namespace {

using strings = std::vector<std::string>;

using sightline::test::temp_dir;

/// The stage id with every character a label value must escape.
const std::string odd_id = "we\"ird\\id\nx";

/// A snapshot as the observer makes it (counters plus rates). Values are exact in
/// binary so the rendered numbers are exact too.
sightline::pipeline_stats sample_stats() {
    sightline::pipeline_stats p;
    sightline::stage_stats tagger;
    tagger.id = "tagger";
    tagger.type = "tagger";
    tagger.lines_in = 5000;
    tagger.lines_out = 4990;
    tagger.dropped = 4;
    tagger.dropped_by_reason = {{"filtered", 3}, {"no_route", 1}};
    tagger.errors = 6;
    tagger.errors_by_type = {{"parse", 4}, {"timeout", 2}};
    tagger.retries = 2;
    tagger.batches = 5;
    tagger.processing_time_ms = 80000.0;
    tagger.latency_us = {15625.0, 62500.0, 93750.0, 500000.0};
    std::uint64_t counts[] = {0, 0, 0, 0, 1000, 2500, 4990, 5000};
    double le = 0.1;
    for (auto c : counts) {
        tagger.latency_buckets.push_back({le, c});
        le *= 10;
    }
    tagger.queued_batches = 2;
    tagger.queue_capacity = 8;
    tagger.rates.utilization = 0.5;
    tagger.rates.queue_fill = 0.25;
    tagger.rates.lines_per_second = 1000.0;
    tagger.rates.lines_per_second_1m = 900.0;
    sightline::stage_stats odd;
    odd.id = odd_id;
    odd.type = "upper\"case";
    odd.lines_in = 10;
    odd.lines_out = 10;
    odd.latency_buckets = {{1000.0, 10}};
    p.stages = {tagger, odd};

    sightline::source_stats tcp;
    tcp.id = "in_tcp";
    tcp.type = "tcp";
    tcp.lines = 5000;
    tcp.bytes = 262144;
    tcp.truncated = 1;
    tcp.connections_accepted = 3;
    tcp.connections_closed = 2;
    sightline::source_stats udp;
    udp.id = "in_udp";
    udp.type = "udp";
    udp.lines = 200;
    udp.bytes = 8192;
    udp.dropped_by_reason = {{"oversize", 7}};
    udp.datagrams = 207;
    udp.kernel_dropped_datagrams = 2;
    p.sources = {tcp, udp};

    sightline::sink_stats out;
    out.id = "out";
    out.type = "file";
    out.lines = 4990;
    out.bytes = 255488;
    out.flushes = 3;
    out.path = "/var/log/out.log";
    out.disk_free_bytes = 1073741824;
    sightline::sink_stats console;
    console.id = "console";
    console.type = "stdout";
    p.sinks = {out, console};

    auto& sys = p.system;
    sys.total_lines = 5200;
    sys.total_processing_time_ms = 80000.0;
    sys.lines_per_second = 1040.0;
    sys.lines_per_second_1m = 1000.0;
    sys.total_errors = 6;
    sys.uptime_s = 12.5;
    sys.rss_bytes = 52428800;
    sys.peak_rss_bytes = 60000000;
    sys.cpu_seconds = 0.75;
    sys.cpu_percent = 50.0;
    sys.open_fds = 17;
    sys.max_fds = 1024;
    sys.start_time_unix_s = 1700000000.5;
    sys.host_memory_available_bytes = 8589934592;
    sys.version = "0.1.0";
    sys.bottleneck_stage = "tagger";
    sys.websocket_clients = 2;

    sightline::alerts_stats alerts;
    alerts.firing = 1;
    alerts.by_rule = {{"HighErrorRate", "critical", 1, 0}, {"SlowStage", "warning", 0, 2}};
    alerts.delivery = std::vector<sightline::alert_receiver_stats>{
        {"webhook", "http://127.0.0.1:9000/hook", 3, 4, 4, 0, 1, false}};
    p.alerts = alerts;
    return p;
}

strings lines_of(const std::string& text) {
    strings out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

bool has_line(const strings& lines, const std::string& line) {
    return std::find(lines.begin(), lines.end(), line) != lines.end();
}

/// The metric name of a sample line (up to '{' or ' ').
std::string sample_name(const std::string& line) { return line.substr(0, line.find_first_of("{ ")); }

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool on_path(const std::string& program) {
    const char* path = std::getenv("PATH");
    if (!path) return false;
    std::istringstream dirs(path);
    for (std::string dir; std::getline(dirs, dir, ':');) {
        if (dir.empty()) continue;
        std::error_code ec;
        auto p = fs::path(dir) / program;
        if (fs::is_regular_file(p, ec) && ::access(p.c_str(), X_OK) == 0) return true;
    }
    return false;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(prometheus_tests)

BOOST_AUTO_TEST_CASE(stage_samples_have_exact_names_labels_and_values) {
    auto lines = lines_of(to_prometheus(sample_stats()));
    for (std::string expected : {
             R"(sightline_stage_lines_in_total{stage="tagger",type="tagger"} 5000)",
             R"(sightline_stage_lines_out_total{stage="tagger",type="tagger"} 4990)",
             R"(sightline_stage_dropped_total{stage="tagger",type="tagger",reason="filtered"} 3)",
             R"(sightline_stage_dropped_total{stage="tagger",type="tagger",reason="no_route"} 1)",
             R"(sightline_stage_errors_total{stage="tagger",type="tagger",error_type="parse"} 4)",
             R"(sightline_stage_errors_total{stage="tagger",type="tagger",error_type="timeout"} 2)",
             R"(sightline_stage_retries_total{stage="tagger",type="tagger"} 2)",
             R"(sightline_stage_utilization_ratio{stage="tagger",type="tagger"} 0.5)",
             R"(sightline_stage_queue_fill_ratio{stage="tagger",type="tagger"} 0.25)",
             R"(sightline_stage_lines_per_second{stage="tagger",type="tagger"} 1000)",
         }) {
        BOOST_TEST(has_line(lines, expected), "missing: " << expected);
    }
    // A stage without errors still has one zero series, so rate() sees it from the start.
    auto count_prefix = [&](const std::string& prefix) {
        return std::count_if(lines.begin(), lines.end(), [&](const auto& l) { return l.rfind(prefix, 0) == 0; });
    };
    BOOST_TEST(count_prefix("sightline_stage_errors_total{stage=\"tagger\"") == 2);
    BOOST_TEST(count_prefix("sightline_stage_errors_total{") == 3);
    BOOST_TEST(count_prefix("sightline_stage_dropped_total{") == 2);
    // Every stage has its gauges, zeros included.
    BOOST_TEST(count_prefix("sightline_stage_queue_fill_ratio{") == 2);
    BOOST_TEST(count_prefix("sightline_stage_lines_per_second{") == 2);
}

BOOST_AUTO_TEST_CASE(latency_histogram_has_cumulative_buckets_sum_and_count) {
    auto lines = lines_of(to_prometheus(sample_stats()));
    strings tagger_latency;
    for (const auto& l : lines)
        if (l.rfind("sightline_stage_processing_seconds", 0) == 0 && l.find("stage=\"tagger\"") != std::string::npos)
            tagger_latency.push_back(l);
    BOOST_TEST(tagger_latency ==
                   (strings{
                       R"(sightline_stage_processing_seconds_bucket{stage="tagger",type="tagger",le="1e-07"} 0)",
                       R"(sightline_stage_processing_seconds_bucket{stage="tagger",type="tagger",le="1e-06"} 0)",
                       R"(sightline_stage_processing_seconds_bucket{stage="tagger",type="tagger",le="1e-05"} 0)",
                       R"(sightline_stage_processing_seconds_bucket{stage="tagger",type="tagger",le="0.0001"} 0)",
                       R"(sightline_stage_processing_seconds_bucket{stage="tagger",type="tagger",le="0.001"} 1000)",
                       R"(sightline_stage_processing_seconds_bucket{stage="tagger",type="tagger",le="0.01"} 2500)",
                       R"(sightline_stage_processing_seconds_bucket{stage="tagger",type="tagger",le="0.1"} 4990)",
                       R"(sightline_stage_processing_seconds_bucket{stage="tagger",type="tagger",le="1"} 5000)",
                       R"(sightline_stage_processing_seconds_bucket{stage="tagger",type="tagger",le="+Inf"} 5000)",
                       R"(sightline_stage_processing_seconds_sum{stage="tagger",type="tagger"} 80)",
                       R"(sightline_stage_processing_seconds_count{stage="tagger",type="tagger"} 5000)",
                   }),
               boost::test_tools::per_element());
    BOOST_TEST(has_line(lines, "# TYPE sightline_stage_processing_seconds histogram"));
    // The percentiles from /stats are gauges beside the histogram, in seconds.
    strings percentiles;
    for (const auto& l : lines)
        if (l.rfind("sightline_stage_latency_seconds{stage=\"tagger\"", 0) == 0) percentiles.push_back(l);
    BOOST_TEST(percentiles ==
                   (strings{
                       R"(sightline_stage_latency_seconds{stage="tagger",type="tagger",percentile="p50"} 0.015625)",
                       R"(sightline_stage_latency_seconds{stage="tagger",type="tagger",percentile="p90"} 0.0625)",
                       R"(sightline_stage_latency_seconds{stage="tagger",type="tagger",percentile="p99"} 0.09375)",
                       R"(sightline_stage_latency_seconds{stage="tagger",type="tagger",percentile="max"} 0.5)",
                   }),
               boost::test_tools::per_element());
    BOOST_TEST(has_line(lines, "# TYPE sightline_stage_latency_seconds gauge"));
}

BOOST_AUTO_TEST_CASE(source_sink_and_system_samples) {
    auto lines = lines_of(to_prometheus(sample_stats()));
    for (std::string expected : {
             R"(sightline_source_lines_total{source="in_tcp",type="tcp"} 5000)",
             R"(sightline_source_bytes_total{source="in_tcp",type="tcp"} 262144)",
             R"(sightline_source_truncated_lines_total{source="in_tcp",type="tcp"} 1)",
             R"(sightline_source_connections_active{source="in_tcp",type="tcp"} 1)",
             R"(sightline_source_connections_accepted_total{source="in_tcp",type="tcp"} 3)",
             R"(sightline_source_connections_refused_total{source="in_tcp",type="tcp"} 0)",
             R"(sightline_source_lines_total{source="in_udp",type="udp"} 200)",
             R"(sightline_source_dropped_total{source="in_udp",type="udp",reason="oversize"} 7)",
             R"(sightline_source_kernel_dropped_datagrams_total{source="in_udp",type="udp"} 2)",
             R"(sightline_sink_lines_total{sink="out",type="file"} 4990)",
             R"(sightline_sink_bytes_total{sink="out",type="file"} 255488)",
             R"(sightline_sink_errors_total{sink="out",type="file"} 0)",
             R"(sightline_sink_lines_total{sink="console",type="stdout"} 0)",
             R"(sightline_sink_disk_free_bytes{sink="out"} 1073741824)",
             "sightline_lines_total 5200",
             "sightline_errors_total 6",
             "sightline_lines_per_second 1040",
             "sightline_uptime_seconds 12.5",
             R"(sightline_build_info{version="0.1.0"} 1)",
             "process_resident_memory_bytes 52428800",
             "process_cpu_seconds_total 0.75",
             "process_open_fds 17",
             "process_max_fds 1024",
             "process_start_time_seconds 1700000000.5",
             "sightline_websocket_clients 2",
             "sightline_cpu_ratio 0.5",
         }) {
        BOOST_TEST(has_line(lines, expected), "missing: " << expected);
    }
    auto count_prefix = [&](const std::string& prefix) {
        return std::count_if(lines.begin(), lines.end(), [&](const auto& l) { return l.rfind(prefix, 0) == 0; });
    };
    // Only the UDP source has kernel drops; the TCP one has no drop reasons at all;
    // only the file sink has a disk.
    BOOST_TEST(count_prefix("sightline_source_kernel_dropped_datagrams_total{") == 1);
    BOOST_TEST(count_prefix("sightline_source_dropped_total{") == 1);
    BOOST_TEST(count_prefix("sightline_sink_disk_free_bytes{") == 1);
}

BOOST_AUTO_TEST_CASE(one_help_and_one_type_per_family_then_its_samples) {
    auto text = to_prometheus(sample_stats());
    BOOST_TEST_REQUIRE(!text.empty());
    BOOST_TEST(text.back() == '\n');
    auto lines = lines_of(text);
    std::set<std::string> families;
    std::map<std::string, std::string> types;
    std::string current;  // the family whose samples may follow
    std::size_t samples = 0;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const auto& l = lines[i];
        BOOST_TEST_CONTEXT("line " << i + 1 << ": " << l) {
            BOOST_TEST_REQUIRE(!l.empty());
            if (l.rfind("# HELP ", 0) == 0) {
                auto name = l.substr(7, l.find(' ', 7) - 7);
                BOOST_TEST(families.insert(name).second, "second HELP for " << name);
                BOOST_TEST(l.size() > 8 + name.size(), "HELP without text");
                // TYPE follows HELP directly.
                BOOST_TEST_REQUIRE(i + 1 < lines.size());
                const auto& t = lines[i + 1];
                BOOST_TEST_REQUIRE(t.rfind("# TYPE " + name + " ", 0) == 0u, "after HELP: " << t);
                auto type = t.substr(8 + name.size());
                BOOST_TEST((type == "counter" || type == "gauge" || type == "histogram"), "type " << type);
                types[name] = type;
                if (type == "counter") BOOST_TEST(ends_with(name, "_total"), "counter " << name);
                BOOST_TEST((name.rfind("sightline_", 0) == 0u || name.rfind("process_", 0) == 0u), name);
                current = name;
                ++i;
                continue;
            }
            BOOST_TEST_REQUIRE(l.front() != '#', "stray comment");
            ++samples;
            auto name = sample_name(l);
            bool belongs = name == current;
            if (types[current] == "histogram")
                belongs = name == current + "_bucket" || name == current + "_sum" || name == current + "_count";
            BOOST_TEST(belongs, "sample of " << name << " under family " << current);
        }
    }
    // Every TYPE line was checked with its HELP line.
    auto type_lines = std::count_if(lines.begin(), lines.end(), [](const auto& l) { return l.rfind("# TYPE ", 0) == 0; });
    BOOST_TEST(static_cast<std::size_t>(type_lines) == families.size());
    // 11 stage (no circuit breaker here), 9 source, 4 sink (with disk space), 14 process
    // and service (2 of them reloads), 2 alert and 5 alert delivery families.
    BOOST_TEST(families.size() == 45u);
    BOOST_TEST(samples > families.size());
    // Non-counters must not pretend to be counters.
    for (const auto& [name, type] : types)
        if (type != "counter") BOOST_TEST(!ends_with(name, "_total"), name << " is a " << type);
}

BOOST_AUTO_TEST_CASE(label_values_are_escaped) {
    auto stats = sample_stats();
    stats.system.version = "1.0 \"beta\"\\x";
    auto lines = lines_of(to_prometheus(stats));
    // odd_id is we"ird\id<newline>x; the type is upper"case.
    BOOST_TEST(has_line(lines, R"(sightline_stage_lines_in_total{stage="we\"ird\\id\nx",type="upper\"case"} 10)"));
    BOOST_TEST(has_line(
        lines, R"(sightline_stage_processing_seconds_count{stage="we\"ird\\id\nx",type="upper\"case"} 10)"));
    BOOST_TEST(has_line(
        lines,
        R"(sightline_stage_errors_total{stage="we\"ird\\id\nx",type="upper\"case",error_type="none"} 0)"));
    BOOST_TEST(has_line(lines, R"(sightline_build_info{version="1.0 \"beta\"\\x"} 1)"));
    // No raw newline split a sample: every line is a comment or starts with a metric name.
    for (const auto& l : lines)
        BOOST_TEST((l.rfind("sightline_", 0) == 0u || l.rfind("process_", 0) == 0u || l.rfind("# ", 0) == 0u), l);
}

BOOST_AUTO_TEST_CASE(families_without_samples_are_left_out) {
    sightline::pipeline_stats stats;
    stats.system.rss_bytes = 1024;
    auto text = to_prometheus(stats);
    BOOST_TEST(text == "# HELP sightline_lines_total Lines read by all sources.\n"
                       "# TYPE sightline_lines_total counter\n"
                       "sightline_lines_total 0\n"
                       "# HELP sightline_errors_total Errors everywhere.\n"
                       "# TYPE sightline_errors_total counter\n"
                       "sightline_errors_total 0\n"
                       "# HELP sightline_lines_per_second Lines read per second.\n"
                       "# TYPE sightline_lines_per_second gauge\n"
                       "sightline_lines_per_second 0\n"
                       "# HELP sightline_uptime_seconds Seconds since start.\n"
                       "# TYPE sightline_uptime_seconds gauge\n"
                       "sightline_uptime_seconds 0\n"
                       "# HELP sightline_build_info Build of this binary.\n"
                       "# TYPE sightline_build_info gauge\n"
                       "sightline_build_info{version=\"unknown\"} 1\n"
                       "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
                       "# TYPE process_resident_memory_bytes gauge\n"
                       "process_resident_memory_bytes 1024\n"
                       "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n"
                       "# TYPE process_cpu_seconds_total counter\n"
                       "process_cpu_seconds_total 0\n"
                       "# HELP process_open_fds Number of open file descriptors.\n"
                       "# TYPE process_open_fds gauge\n"
                       "process_open_fds 0\n"
                       "# HELP process_max_fds Maximum number of open file descriptors.\n"
                       "# TYPE process_max_fds gauge\n"
                       "process_max_fds 0\n"
                       "# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.\n"
                       "# TYPE process_start_time_seconds gauge\n"
                       "process_start_time_seconds 0\n"
                       "# HELP sightline_reloads_total Configuration reloads (POST /reload, SIGHUP) by result.\n"
                       "# TYPE sightline_reloads_total counter\n"
                       "sightline_reloads_total{result=\"applied\"} 0\n"
                       "sightline_reloads_total{result=\"failed\"} 0\n"
                       "# HELP sightline_config_last_reload_successful 1 unless the last reload was refused.\n"
                       "# TYPE sightline_config_last_reload_successful gauge\n"
                       "sightline_config_last_reload_successful 1\n"
                       "# HELP sightline_cpu_ratio CPU used by the process over the last tick (1 = one core).\n"
                       "# TYPE sightline_cpu_ratio gauge\n"
                       "sightline_cpu_ratio 0\n");
}

BOOST_AUTO_TEST_CASE(alerts_are_counted_by_rule_and_delivery_by_receiver) {
    auto lines = lines_of(to_prometheus(sample_stats()));
    BOOST_TEST(has_line(lines, R"(sightline_alerts_firing{alertname="HighErrorRate",severity="critical"} 1)"));
    BOOST_TEST(has_line(lines, R"(sightline_alerts_firing{alertname="SlowStage",severity="warning"} 0)"));
    BOOST_TEST(has_line(lines, R"(sightline_alerts_pending{alertname="SlowStage",severity="warning"} 2)"));
    BOOST_TEST(has_line(lines, R"(sightline_alert_deliveries_total{receiver="webhook",url="http://127.0.0.1:9000/hook"} 3)"));
    BOOST_TEST(has_line(lines, R"(sightline_alert_delivery_retries_total{receiver="webhook",url="http://127.0.0.1:9000/hook"} 4)"));
    BOOST_TEST(has_line(lines, R"(sightline_alert_delivery_queue_length{receiver="webhook",url="http://127.0.0.1:9000/hook"} 1)"));
}

BOOST_AUTO_TEST_CASE(special_values_use_prometheus_spelling) {
    auto stats = sample_stats();
    stats.system.lines_per_second = std::numeric_limits<double>::infinity();
    stats.system.uptime_s = std::numeric_limits<double>::quiet_NaN();
    stats.system.cpu_percent = -std::numeric_limits<double>::infinity();
    auto lines = lines_of(to_prometheus(stats));
    BOOST_TEST(has_line(lines, "sightline_lines_per_second +Inf"));
    BOOST_TEST(has_line(lines, "sightline_uptime_seconds NaN"));
    BOOST_TEST(has_line(lines, "sightline_cpu_ratio -Inf"));
}

BOOST_AUTO_TEST_CASE(output_passes_promtool_check_metrics) {
    if (!on_path("promtool")) {
        BOOST_TEST_MESSAGE("promtool is not on PATH: checked the text only, not with promtool");
        return;
    }
    temp_dir tmp;
    auto metrics = tmp.path / "metrics.prom";
    auto report = tmp.path / "promtool.out";
    std::ofstream(metrics, std::ios::binary) << to_prometheus(sample_stats());
    std::string cmd = "promtool check metrics < '" + metrics.string() + "' > '" + report.string() + "' 2>&1";
    int rc = std::system(cmd.c_str());
    std::ifstream in(report);
    std::stringstream out;
    out << in.rdbuf();
    BOOST_TEST_REQUIRE(rc != -1);
    BOOST_TEST(WIFEXITED(rc));
    BOOST_TEST(WEXITSTATUS(rc) == 0, "promtool check metrics said:\n" << out.str());
}

BOOST_AUTO_TEST_SUITE_END()
