// Fuzzing the WebSocket client message parser.
#include "fuzz_targets.hpp"
#include "sightline/web/client_message.hpp"

namespace sightline::fuzz {

namespace {

/// RFC 3629 UTF-8: no overlongs, no surrogates, nothing above U+10FFFF.
bool valid_utf8(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        auto c = static_cast<unsigned char>(s[i]);
        std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
        if (n == 0 || i + n > s.size()) return false;
        std::uint32_t cp = n == 1 ? c : n == 2 ? c & 0x1F : n == 3 ? c & 0x0F : c & 0x07;
        for (std::size_t k = 1; k < n; ++k) {
            auto cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (cc & 0x3F);
        }
        static constexpr std::uint32_t min_for[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min_for[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        i += n;
    }
    return true;
}

}  // namespace

void client_message_input(std::string_view data) {
    auto msg = parse_client_message(data);
    if (auto* bad = std::get_if<invalid_message>(&msg)) {
        check(!bad->error.empty(), "an empty error");
        check(bad->error.size() <= 160, "an error longer than 160 bytes: " + std::to_string(bad->error.size()));
        check(valid_utf8(bad->error), "an error that is not valid UTF-8");
    } else if (auto* sub = std::get_if<subscribe_request>(&msg)) {
        for (const auto* field : {&sub->filter.stage, &sub->filter.status, &sub->filter.outcome, &sub->filter.text})
            check(field->size() <= 256 && valid_utf8(*field), "a filter field over 256 bytes or not UTF-8");
    }
}

}  // namespace sightline::fuzz
