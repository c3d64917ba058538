// Differential fuzzing of the line splitter against a one-shot reference split.
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_targets.hpp"
#include "sightline/ingest/line_splitter.hpp"

namespace sightline::fuzz {

namespace {

struct split_result {
    std::vector<std::string> lines;
    std::uint64_t truncated = 0;
};

/// The contract, written as plainly as possible: LF ends a line and a CR before it is
/// dropped; a final line without LF keeps its CR; lines are cut at `max`.
split_result reference_split(std::string_view input, std::size_t max) {
    split_result r;
    auto add = [&](std::string_view line) {
        if (line.size() > max) {
            ++r.truncated;
            line = line.substr(0, max);
        }
        r.lines.emplace_back(line);
    };
    std::size_t start = 0;
    for (;;) {
        auto nl = input.find('\n', start);
        if (nl == std::string_view::npos) break;
        auto line = input.substr(start, nl - start);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        add(line);
        start = nl + 1;
    }
    if (start < input.size()) add(input.substr(start));
    return r;
}

}  // namespace

void line_splitter_input(std::string_view data) {
    if (data.size() < 2) return;
    // Small limits reach the truncation paths; the second byte seeds the chunk sizes,
    // so the same bytes arrive cut at many different places.
    const std::size_t max = 1 + static_cast<unsigned char>(data[0]) % 64;
    std::uint32_t seed = static_cast<unsigned char>(data[1]);
    const std::string_view input = data.substr(2);

    line_splitter splitter(max);
    line_batch out;
    for (std::size_t at = 0; at < input.size();) {
        seed = seed * 1103515245u + 12345u;
        std::size_t chunk = 1 + (seed >> 16) % 97;
        splitter.feed(input.substr(at, chunk), out);
        at += chunk;
        check(splitter.pending_bytes() <= max + 1, "holds more than max_line_bytes + 1 bytes");
    }
    splitter.finish(out);
    check(splitter.pending_bytes() == 0 && !splitter.skipping(), "finish left state behind");

    auto expected = reference_split(input, max);
    check(out.size() == expected.lines.size(), "line count differs from the reference split");
    for (std::size_t i = 0; i < out.size(); ++i) {
        check(out.text(i).size() <= max, "a line is longer than max_line_bytes");
        check(out.text(i) == expected.lines[i], "line " + std::to_string(i) + " differs from the reference split");
    }
    check(splitter.truncated() == expected.truncated, "truncation count differs from the reference split");
}

}  // namespace sightline::fuzz
