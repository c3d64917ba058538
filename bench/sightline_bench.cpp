// Benchmark tool: generates realistic log input for the scenarios in bench/.
//
//   sightline_bench generate --lines N --out FILE [--seed S]
//       N lines of about 110 bytes with mixed levels (55 % INFO, 15 % WARN, 10 % ERROR,
//       15 % DEBUG, 5 % without a level), written as fast as the disk takes them.
#include <boost/program_options.hpp>
#include <cstdio>
#include <iostream>
#include <random>
#include <string>

namespace po = boost::program_options;

namespace {

const char* pick_level(std::mt19937_64& rng) {
    auto r = rng() % 100;
    if (r < 55) return "INFO";
    if (r < 70) return "WARN";
    if (r < 80) return "ERROR";
    if (r < 95) return "DEBUG";
    return "NOTE";
}

int generate(std::uint64_t lines, const std::string& out_path, std::uint64_t seed) {
    std::FILE* out = std::fopen(out_path.c_str(), "wb");
    if (!out) {
        std::perror(out_path.c_str());
        return 1;
    }
    std::mt19937_64 rng(seed);
    static const char* services[] = {"api", "db", "auth", "cache", "billing", "search"};
    static const char* messages[] = {"request handled", "slow upstream response", "connection reset by peer",
                                     "cache miss for key", "user session refreshed", "payment authorised"};
    char buf[256];
    for (std::uint64_t i = 0; i < lines; ++i) {
        int n = std::snprintf(buf, sizeof buf,
                              "2026-11-22T10:%02llu:%02llu.%06lluZ %-5s svc=%s req=%010llu user=%04llu latency_ms=%03llu msg=\"%s\"\n",
                              static_cast<unsigned long long>(i / 60 % 60), static_cast<unsigned long long>(i % 60),
                              static_cast<unsigned long long>(i % 1000000), pick_level(rng), services[rng() % 6],
                              static_cast<unsigned long long>(i), static_cast<unsigned long long>(rng() % 10000),
                              static_cast<unsigned long long>(rng() % 1000), messages[rng() % 6]);
        std::fwrite(buf, 1, static_cast<std::size_t>(n), out);
    }
    return std::fclose(out) == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: sightline_bench generate --lines N --out FILE [--seed S]\n";
        return 2;
    }
    std::string cmd = argv[1];
    po::options_description d("Options");
    std::uint64_t lines = 2'000'000, seed = 42;
    std::string out;
    d.add_options()("lines", po::value(&lines), "lines to generate")("out", po::value(&out), "output file")(
        "seed", po::value(&seed), "random seed");
    po::variables_map vm;
    try {
        po::store(po::parse_command_line(argc - 1, argv + 1, d), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        std::cerr << "sightline_bench: " << e.what() << "\n";
        return 2;
    }
    if (cmd == "generate") {
        if (out.empty()) {
            std::cerr << "sightline_bench generate: --out is required\n";
            return 2;
        }
        return generate(lines, out, seed);
    }
    std::cerr << "sightline_bench: unknown command " << cmd << "\n";
    return 2;
}
