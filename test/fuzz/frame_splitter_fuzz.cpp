// Differential fuzzing of the frame splitter: cut into random chunks, a stream must give
// exactly what it gives fed whole, within max_line_bytes, in every framing.
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_targets.hpp"
#include "sightline/ingest/frame_splitter.hpp"

namespace sightline::fuzz {

namespace {
struct split_result {
    std::vector<std::string> lines;
    std::uint64_t truncated = 0, bad_frames = 0;
};

split_result split(framing f, std::size_t max, std::string_view input, std::uint32_t seed, bool chunked) {
    frame_splitter s(f, max);
    line_batch out;
    for (std::size_t at = 0; at < input.size();) {
        std::size_t chunk = input.size();
        if (chunked) {
            seed = seed * 1103515245u + 12345u;
            chunk = 1 + (seed >> 16) % 23;
        }
        s.feed(input.substr(at, chunk), out);
        at += chunk;
    }
    s.finish(out);
    split_result r;
    for (std::size_t i = 0; i < out.size(); ++i) r.lines.emplace_back(out.text(i));
    r.truncated = s.truncated();
    r.bad_frames = s.bad_frames();
    return r;
}
}  // namespace

void frame_splitter_input(std::string_view data) {
    if (data.size() < 3) return;
    const framing modes[] = {framing::newline, framing::octet_counted, framing::automatic};
    const framing f = modes[static_cast<unsigned char>(data[0]) % 3];
    const std::size_t max = 1 + static_cast<unsigned char>(data[1]) % 64;
    const std::uint32_t seed = static_cast<unsigned char>(data[2]);
    const std::string_view input = data.substr(3);
    auto whole = split(f, max, input, seed, false);
    auto pieces = split(f, max, input, seed, true);
    check(whole.lines == pieces.lines, "chunked feeding gives other messages than one feed");
    check(whole.truncated == pieces.truncated, "chunked feeding truncates differently");
    check(whole.bad_frames == pieces.bad_frames, "chunked feeding counts other bad frames");
    std::size_t bytes = 0;
    for (const auto& l : whole.lines) {
        check(l.size() <= max, "a message is longer than max_line_bytes");
        bytes += l.size();
    }
    check(bytes <= input.size() + 10 * whole.bad_frames, "more bytes came out than went in");
}

}  // namespace sightline::fuzz
