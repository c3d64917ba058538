// Benchmark tool: generates realistic log input and sends it for the scenarios in bench/.
//
//   sightline_bench generate --lines N --out FILE [--seed S]
//       N lines of about 110 bytes with mixed levels (55 % INFO, 15 % WARN, 10 % ERROR,
//       15 % DEBUG, 5 % without a level), written as fast as the disk takes them.
//   sightline_bench tcp --port P [--host H] --lines N --connections C [--rate R]
//       Sends N such lines over C connections (one thread each), at most R lines/s in
//       total (0: as fast as possible), and prints one JSON object with what was sent.
//   sightline_bench udp --port P [--host H] --lines N [--rate R] [--lines-per-datagram K]
//       The same over UDP, batching datagrams with sendmmsg.
//   sightline_bench sink --port P [--host H] --connections C [--out FILE]
//       The raw limit: accepts C connections, counts their newlines and discards the
//       bytes (one thread each), or appends them to FILE as they come. Prints
//       {"port": P} once listening (P may be 0), then, when every connection has
//       closed, one JSON object with what was received.
//   generate, tcp and udp take --format plain (the default), syslog (RFC 5424, local0
//   with the level's severity) or json (one object: ts, level, svc, req, user,
//   latency_ms, msg): the same facts in each.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>

#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>
#include <iostream>
#include <mutex>
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

/// What the generated lines look like (--format): a plain log line, RFC 5424 syslog
/// or a JSON object, all about 110 to 150 bytes and carrying the same facts.
enum class line_style { plain, syslog, json };
line_style style = line_style::plain;

/// Appends one realistic log line (with its newline) to `out`.
void append_line(std::string& out, std::uint64_t i, std::mt19937_64& rng) {
    static const char* services[] = {"api", "db", "auth", "cache", "billing", "search"};
    static const char* messages[] = {"request handled", "slow upstream response", "connection reset by peer",
                                     "cache miss for key", "user session refreshed", "payment authorised"};
    char buf[256];
    if (style != line_style::plain) {
        const char* level = pick_level(rng);
        // local0 with the level's severity: err 3, warning 4, notice 5, info 6, debug 7.
        int severity = level[0] == 'E' ? 3 : level[0] == 'W' ? 4 : level[0] == 'N' ? 5 : level[0] == 'I' ? 6 : 7;
        static const char* names[] = {"", "", "", "err", "warning", "notice", "info", "debug"};
        auto mm = static_cast<unsigned long long>(i / 60 % 60), ss = static_cast<unsigned long long>(i % 60),
             us = static_cast<unsigned long long>(i % 1000000);
        const char* svc = services[rng() % 6];
        auto user = static_cast<unsigned long long>(rng() % 10000), ms = static_cast<unsigned long long>(rng() % 1000);
        const char* msg = messages[rng() % 6];
        int n = style == line_style::syslog
                    ? std::snprintf(buf, sizeof buf,
                                    "<%d>1 2026-11-22T10:%02llu:%02llu.%06lluZ web%02llu.example.com %s %llu - - %s "
                                    "user=%04llu latency_ms=%03llu\n",
                                    128 + severity, mm, ss, us, static_cast<unsigned long long>(i % 16), svc,
                                    static_cast<unsigned long long>(1000 + i % 9000), msg, user, ms)
                    : std::snprintf(buf, sizeof buf,
                                    "{\"ts\":\"2026-11-22T10:%02llu:%02llu.%06lluZ\",\"level\":\"%s\",\"svc\":\"%s\","
                                    "\"req\":%llu,\"user\":%llu,\"latency_ms\":%llu,\"msg\":\"%s\"}\n",
                                    mm, ss, us, names[severity], svc, static_cast<unsigned long long>(i), user, ms, msg);
        out.append(buf, static_cast<std::size_t>(n));
        return;
    }
    int n = std::snprintf(buf, sizeof buf,
                          "2026-11-22T10:%02llu:%02llu.%06lluZ %-5s svc=%s req=%010llu user=%04llu latency_ms=%03llu msg=\"%s\"\n",
                          static_cast<unsigned long long>(i / 60 % 60), static_cast<unsigned long long>(i % 60),
                          static_cast<unsigned long long>(i % 1000000), pick_level(rng), services[rng() % 6],
                          static_cast<unsigned long long>(i), static_cast<unsigned long long>(rng() % 10000),
                          static_cast<unsigned long long>(rng() % 1000), messages[rng() % 6]);
    out.append(buf, static_cast<std::size_t>(n));
}

int generate(std::uint64_t lines, const std::string& out_path, std::uint64_t seed) {
    std::FILE* out = std::fopen(out_path.c_str(), "wb");
    if (!out) {
        std::perror(out_path.c_str());
        return 1;
    }
    std::mt19937_64 rng(seed);
    std::string chunk;
    for (std::uint64_t i = 0; i < lines; ++i) {
        append_line(chunk, i, rng);
        if (chunk.size() > (1 << 20)) {
            std::fwrite(chunk.data(), 1, chunk.size(), out);
            chunk.clear();
        }
    }
    std::fwrite(chunk.data(), 1, chunk.size(), out);
    return std::fclose(out) == 0 ? 0 : 1;
}

/// A block of whole lines that senders cycle through (generating on the fly would make
/// the generator, not the server, the bottleneck).
struct line_block {
    std::string bytes;
    std::vector<std::size_t> ends;  // offset just past each line's newline
};

line_block make_block(std::uint64_t lines, std::uint64_t seed) {
    line_block b;
    std::mt19937_64 rng(seed);
    for (std::uint64_t i = 0; i < lines; ++i) {
        append_line(b.bytes, i, rng);
        b.ends.push_back(b.bytes.size());
    }
    return b;
}

sockaddr_in address(const std::string& host, int port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    ::inet_pton(AF_INET, host.c_str(), &a.sin_addr);
    return a;
}

/// Sleeps as needed so that `done` lines at `rate` lines/s are not ahead of the clock.
void pace(std::uint64_t done, double rate, std::chrono::steady_clock::time_point t0) {
    if (rate <= 0) return;
    auto due = t0 + std::chrono::duration<double>(static_cast<double>(done) / rate);
    std::this_thread::sleep_until(std::chrono::time_point_cast<std::chrono::steady_clock::duration>(due));
}

int send_tcp(const std::string& host, int port, std::uint64_t lines, int connections, double rate) {
    const auto block = make_block(65536, 7);  // about 7 MB
    std::vector<std::thread> threads;
    std::vector<std::uint64_t> sent(static_cast<std::size_t>(connections), 0);
    std::vector<std::uint64_t> sent_bytes(static_cast<std::size_t>(connections), 0);
    std::vector<int> failed(static_cast<std::size_t>(connections), 0);
    auto t0 = std::chrono::steady_clock::now();
    for (int c = 0; c < connections; ++c) {
        threads.emplace_back([&, c] {
            std::uint64_t mine = lines / static_cast<std::uint64_t>(connections) +
                                 (static_cast<std::uint64_t>(c) < lines % static_cast<std::uint64_t>(connections) ? 1 : 0);
            int fd = ::socket(AF_INET, SOCK_STREAM, 0);
            auto a = address(host, port);
            if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
                failed[static_cast<std::size_t>(c)] = 1;
                ::close(fd);
                return;
            }
            std::size_t line_index = 0;
            std::uint64_t done = 0;
            while (done < mine) {
                // Up to 4096 lines per write, never past the end of the block.
                std::size_t count = std::min<std::uint64_t>({mine - done, 4096, block.ends.size() - line_index});
                std::size_t from = line_index == 0 ? 0 : block.ends[line_index - 1];
                std::size_t to = block.ends[line_index + count - 1];
                const char* p = block.bytes.data() + from;
                std::size_t left = to - from;
                while (left > 0) {
                    ssize_t w = ::send(fd, p, left, MSG_NOSIGNAL);
                    if (w <= 0) {
                        failed[static_cast<std::size_t>(c)] = 1;
                        ::close(fd);
                        return;
                    }
                    p += w;
                    left -= static_cast<std::size_t>(w);
                }
                done += count;
                sent_bytes[static_cast<std::size_t>(c)] += to - from;
                line_index = (line_index + count) % block.ends.size();
                pace(done * static_cast<std::uint64_t>(connections), rate, t0);
            }
            sent[static_cast<std::size_t>(c)] = done;
            ::shutdown(fd, SHUT_WR);
            char sink[256];
            while (::recv(fd, sink, sizeof sink, 0) > 0) {
            }
            ::close(fd);
        });
    }
    for (auto& t : threads) t.join();
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::uint64_t total = 0, bytes = 0;
    int bad = 0;
    for (std::size_t i = 0; i < sent.size(); ++i) {
        total += sent[i];
        bytes += sent_bytes[i];
        bad += failed[i];
    }
    std::printf("{\"lines\": %llu, \"bytes\": %llu, \"seconds\": %.6f, \"failed_connections\": %d}\n",
                static_cast<unsigned long long>(total), static_cast<unsigned long long>(bytes), secs, bad);
    return bad ? 1 : 0;
}

int send_udp(const std::string& host, int port, std::uint64_t lines, double rate, int per_datagram) {
    const auto block = make_block(65536, 11);
    int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    auto a = address(host, port);
    // Connected: the kernel looks the route up once, not per datagram (a faster sender).
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        std::perror("sightline_bench udp: connect");
        return 1;
    }
    constexpr int batch = 64;
    std::vector<mmsghdr> msgs(batch);
    std::vector<iovec> iov(batch);
    auto t0 = std::chrono::steady_clock::now();
    std::uint64_t done = 0, datagrams = 0, bytes = 0, unsent = 0;
    std::size_t line_index = 0;
    while (done < lines) {
        int n = 0;
        for (; n < batch && done < lines; ++n) {
            std::size_t count = std::min<std::uint64_t>({lines - done, static_cast<std::uint64_t>(per_datagram),
                                                         block.ends.size() - line_index});
            std::size_t from = line_index == 0 ? 0 : block.ends[line_index - 1];
            std::size_t to = block.ends[line_index + count - 1];
            iov[static_cast<std::size_t>(n)] = {const_cast<char*>(block.bytes.data() + from), to - from};
            msgs[static_cast<std::size_t>(n)] = {};
            msgs[static_cast<std::size_t>(n)].msg_hdr.msg_iov = &iov[static_cast<std::size_t>(n)];
            msgs[static_cast<std::size_t>(n)].msg_hdr.msg_iovlen = 1;
            done += count;
            bytes += to - from;
            line_index = (line_index + count) % block.ends.size();
        }
        int off = 0;
        while (off < n) {
            int w = ::sendmmsg(fd, msgs.data() + off, static_cast<unsigned>(n - off), 0);
            if (w <= 0) break;
            off += w;
        }
        // Reported, so that a receiver is never blamed for datagrams that never left.
        unsent += static_cast<std::uint64_t>(n - off);
        datagrams += static_cast<std::uint64_t>(n);
        pace(done, rate, t0);
    }
    ::close(fd);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("{\"lines\": %llu, \"datagrams\": %llu, \"bytes\": %llu, \"unsent_datagrams\": %llu, \"seconds\": %.6f}\n",
                static_cast<unsigned long long>(done), static_cast<unsigned long long>(datagrams),
                static_cast<unsigned long long>(bytes), static_cast<unsigned long long>(unsent), secs);
    return unsent ? 1 : 0;
}

/// Appends one chunk under a lock: one writer at a time, like a collector's single file
/// sink (concurrent appends to one file contend in the kernel and cost far more CPU).
bool append_whole(int fd, const char* p, std::size_t n) {
    static std::mutex one_writer;
    std::lock_guard lock(one_writer);
    while (n > 0) {
        ssize_t w = ::write(fd, p, n);
        if (w <= 0) {
            std::perror("sightline_bench sink: write");
            return false;
        }
        p += w;
        n -= static_cast<std::size_t>(w);
    }
    return true;
}

/// Counts the newlines of one connection until the peer closes it (or is idle for the
/// socket's receive timeout); the bytes are discarded, or appended to `out_fd` (>= 0).
void count_connection(int fd, int out_fd, std::atomic<std::uint64_t>& lines, std::atomic<std::uint64_t>& bytes) {
    std::vector<char> buffer(1 << 20);
    std::uint64_t my_lines = 0, my_bytes = 0;
    for (;;) {
        ssize_t n = ::recv(fd, buffer.data(), buffer.size(), 0);
        if (n <= 0) break;
        my_lines += static_cast<std::uint64_t>(std::count(buffer.data(), buffer.data() + n, '\n'));
        my_bytes += static_cast<std::uint64_t>(n);
        if (out_fd >= 0 && !append_whole(out_fd, buffer.data(), static_cast<std::size_t>(n))) break;
    }
    ::close(fd);
    lines += my_lines;
    bytes += my_bytes;
}

int sink_tcp(const std::string& host, int port, int connections, const std::string& out_path) {
    int out_fd = -1;
    if (!out_path.empty() && (out_fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) < 0) {
        std::perror(out_path.c_str());
        return 1;
    }
    int listener = ::socket(AF_INET, SOCK_STREAM, 0);
    int on = 1;
    ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    auto a = address(host, port);
    socklen_t len = sizeof a;
    if (::bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(listener, 64) != 0 ||
        ::getsockname(listener, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
        std::perror("sightline_bench sink");
        return 1;
    }
    // Bounded in time: accept and every read give up after a minute of silence.
    timeval idle{60, 0};
    ::setsockopt(listener, SOL_SOCKET, SO_RCVTIMEO, &idle, sizeof idle);
    std::printf("{\"port\": %d}\n", ntohs(a.sin_port));
    std::fflush(stdout);
    std::atomic<std::uint64_t> lines{0}, bytes{0};
    std::vector<std::thread> readers;
    std::chrono::steady_clock::time_point t0;
    for (int c = 0; c < connections; ++c) {
        int fd = ::accept(listener, nullptr, nullptr);
        if (fd < 0) break;
        if (c == 0) t0 = std::chrono::steady_clock::now();
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &idle, sizeof idle);
        readers.emplace_back(count_connection, fd, out_fd, std::ref(lines), std::ref(bytes));
    }
    ::close(listener);
    for (auto& t : readers) t.join();
    if (out_fd >= 0) ::close(out_fd);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    // Its own CPU and peak RSS: the process is gone before a caller could read /proc.
    rusage use{};
    ::getrusage(RUSAGE_SELF, &use);
    double cpu = static_cast<double>(use.ru_utime.tv_sec + use.ru_stime.tv_sec) +
                 static_cast<double>(use.ru_utime.tv_usec + use.ru_stime.tv_usec) / 1e6;
    // VmHWM, not ru_maxrss: the latter keeps the peak of the parent forked before exec.
    long peak_kib = 0;
    if (std::FILE* status = std::fopen("/proc/self/status", "r")) {
        char row[256];
        while (std::fgets(row, sizeof row, status))
            if (std::sscanf(row, "VmHWM: %ld", &peak_kib) == 1) break;
        std::fclose(status);
    }
    std::printf("{\"lines\": %llu, \"bytes\": %llu, \"connections\": %zu, \"seconds\": %.6f, "
                "\"cpu_seconds\": %.6f, \"peak_rss_kib\": %ld}\n",
                static_cast<unsigned long long>(lines.load()), static_cast<unsigned long long>(bytes.load()),
                readers.size(), secs, cpu, peak_kib);
    return static_cast<int>(readers.size()) == connections ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: sightline_bench generate|tcp|udp|sink [options] (see the comment at the top of bench/sightline_bench.cpp)\n";
        return 2;
    }
    std::string cmd = argv[1];
    po::options_description d("Options");
    std::uint64_t lines = 2'000'000, seed = 42;
    std::string out, host = "127.0.0.1";
    int port = 0, connections = 1, per_datagram = 1;
    double rate = 0;
    d.add_options()("lines", po::value(&lines), "lines to generate or send")("out", po::value(&out), "output file (generate, sink)")(
        "seed", po::value(&seed), "random seed")("host", po::value(&host), "destination address")(
        "port", po::value(&port), "destination port")("connections", po::value(&connections), "TCP connections")(
        "rate", po::value(&rate), "lines per second in total (0: unlimited)")(
        "lines-per-datagram", po::value(&per_datagram), "lines in each UDP datagram")(
        "format", po::value<std::string>()->default_value("plain"), "plain, syslog (RFC 5424) or json lines");
    po::variables_map vm;
    try {
        po::store(po::parse_command_line(argc - 1, argv + 1, d), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        std::cerr << "sightline_bench: " << e.what() << "\n";
        return 2;
    }
    const auto format = vm["format"].as<std::string>();
    if (format == "syslog") style = line_style::syslog;
    else if (format == "json") style = line_style::json;
    else if (format != "plain") {
        std::cerr << "sightline_bench: --format is plain, syslog or json\n";
        return 2;
    }
    if (cmd == "generate") {
        if (out.empty()) {
            std::cerr << "sightline_bench generate: --out is required\n";
            return 2;
        }
        return generate(lines, out, seed);
    }
    if (cmd == "tcp" || cmd == "udp") {
        if (port <= 0 || port > 65535 || connections < 1 || per_datagram < 1) {
            std::cerr << "sightline_bench " << cmd << ": --port 1..65535, --connections >= 1, --lines-per-datagram >= 1\n";
            return 2;
        }
        return cmd == "tcp" ? send_tcp(host, port, lines, connections, rate) : send_udp(host, port, lines, rate, per_datagram);
    }
    if (cmd == "sink") {
        if (port < 0 || port > 65535 || connections < 1) {
            std::cerr << "sightline_bench sink: --port 0..65535, --connections >= 1\n";
            return 2;
        }
        return sink_tcp(host, port, connections, out);
    }
    std::cerr << "sightline_bench: unknown command " << cmd << "\n";
    return 2;
}
