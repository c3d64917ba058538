#include "sightline/core/utf8.hpp"

#include <cstdint>
#include <cstring>

namespace sightline {

namespace {

/// Length of the well-formed character at the start of `s` (1 to 4), or 0 when the
/// bytes there are ill-formed; `*bad` is then set to the length of the maximal
/// ill-formed subpart to replace (at least 1).
std::size_t char_length(std::string_view s, std::size_t* bad) {
    auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
    unsigned char c = b(0);
    if (c < 0x80) return 1;
    std::size_t need;
    unsigned char lo = 0x80, hi = 0xBF;  // range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
        need = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        if (c == 0xE0) lo = 0xA0;  // no overlong forms
        if (c == 0xED) hi = 0x9F;  // no surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
    } else {
        *bad = 1;
        return 0;
    }
    for (std::size_t i = 1; i < need; ++i) {
        bool ok = i < s.size() && b(i) >= (i == 1 ? lo : 0x80) && b(i) <= (i == 1 ? hi : 0xBF);
        if (!ok) {
            *bad = i;
            return 0;
        }
    }
    return need;
}

}  // namespace

bool is_valid_utf8(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        // ASCII runs are the common case: skip them 8 bytes at a time.
        while (i + 8 <= s.size()) {
            std::uint64_t w;
            std::memcpy(&w, s.data() + i, 8);
            if (w & 0x8080808080808080ull) break;
            i += 8;
        }
        if (i >= s.size()) break;
        std::size_t bad = 0;
        auto n = char_length(s.substr(i), &bad);
        if (n == 0) return false;
        i += n;
    }
    return true;
}

std::size_t utf8_prefix(std::string_view s, std::size_t max) {
    if (s.size() <= max) return s.size();
    std::size_t n = max;
    // Back off over continuation bytes (at most 3) to the start of the character that
    // the cut would split.
    for (int k = 0; k < 3 && n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80; ++k) --n;
    if ((static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) return max;  // not UTF-8 there anyway
    return n;
}

std::string valid_utf8(std::string_view s) {
    if (is_valid_utf8(s)) return std::string(s);
    std::string out;
    out.reserve(s.size() + 8);
    std::size_t i = 0;
    while (i < s.size()) {
        std::size_t bad = 0;
        auto n = char_length(s.substr(i), &bad);
        if (n) {
            out.append(s.substr(i, n));
            i += n;
        } else {
            out.append("\xEF\xBF\xBD");  // U+FFFD
            i += bad;
        }
    }
    return out;
}

}  // namespace sightline
