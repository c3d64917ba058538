#include "sightline/core/json_text.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace sightline {

namespace {

/// Length of the well-formed UTF-8 sequence at s[i] (a byte >= 0x80), or 0.
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
    auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    unsigned char c = b(i);
    std::size_t n = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return 0;
    unsigned char c1 = b(i + 1);
    // Second-byte ranges exclude overlong forms, surrogates and code points > U+10FFFF.
    unsigned char lo = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80;
    unsigned char hi = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;
    if (c1 < lo || c1 > hi) return 0;
    for (std::size_t k = 2; k < n; ++k)
        if ((b(i + k) & 0xC0) != 0x80) return 0;
    return n;
}

/// The letter after the backslash for characters with a short escape; 0 for \u00XX.
constexpr auto escape_letter = [] {
    std::array<char, 256> t{};
    t['"'] = '"';
    t['\\'] = '\\';
    t['\n'] = 'n';
    t['\r'] = 'r';
    t['\t'] = 't';
    t['\b'] = 'b';
    t['\f'] = 'f';
    return t;
}();

}  // namespace

#if defined(__SSE2__)
namespace {
/// Copies the plain bytes of one 16-byte block at `p` to `w`, a backslash before each
/// quote and backslash (branch-free: log text is full of quotes, a JSON line kept as
/// `message` has one every few bytes, and a branch per quote was most of the cost).
/// Stops before the first byte that needs more (a control byte, or >= 0x80 for the
/// UTF-8 check) or after `count` bytes; returns the bytes consumed.
inline std::size_t escape_block(const char* p, std::size_t count, char*& w, bool& stopped) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    // signed compare: bytes >= 0x80 are negative, so "< 0x20" catches them too
    auto hard = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20))));
    auto quote = static_cast<unsigned>(
        _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')))));
    std::size_t limit = hard ? static_cast<std::size_t>(__builtin_ctz(hard)) : 16;
    stopped = limit < count;
    if (!stopped) limit = count;
    if (quote == 0 && limit == 16) {
        _mm_storeu_si128(reinterpret_cast<__m128i*>(w), v);
        w += 16;
        return 16;
    }
    for (std::size_t k = 0; k < limit; ++k) {
        *w = '\\';
        w += (quote >> k) & 1u;
        *w++ = p[k];
    }
    return limit;
}
}  // namespace
#endif

void append_json_string(std::string& out, std::string_view s) {
    static constexpr char hex[] = "0123456789abcdef";
    // Written through a pointer into room for every byte escaped as two (a quote or a
    // backslash), grown only for the rare longer forms; trimmed at the end.
    std::size_t at = out.size();
    out.resize(at + s.size() * 2 + 2);
    char* w = out.data() + at;
    auto grow = [&](std::size_t more) {  // keeps the room two bytes per byte left
        at = static_cast<std::size_t>(w - out.data());
        out.resize(out.size() + more);
        w = out.data() + at;
    };
    *w++ = '"';
    std::size_t i = 0;
    const std::size_t n = s.size();
    while (i < n) {
#if defined(__SSE2__)
        bool stopped = false;
        while (i + 16 <= n && !stopped) i += escape_block(s.data() + i, 16, w, stopped);
        if (!stopped && i < n) {
            // The last bytes through the same block, from a padded copy (no read past s).
            char tail[16] = {};
            std::memcpy(tail, s.data() + i, n - i);
            i += escape_block(tail, n - i, w, stopped);
        }
        if (i >= n) break;
#endif
        auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
            *w++ = static_cast<char>(c);
            ++i;
            continue;
        }
        if (c >= 0x80) {
            if (auto len = utf8_sequence(s, i)) {
                for (std::size_t k = 0; k < len; ++k) *w++ = s[i + k];
                i += len;
                continue;
            }
            grow(1);
            // U+FFFD for an ill-formed byte
            *w++ = '\xEF';
            *w++ = '\xBF';
            *w++ = '\xBD';
            ++i;
            continue;
        }
        *w++ = '\\';
        if (char e = escape_letter[c]) {
            *w++ = e;
        } else {
            grow(4);
            *w++ = 'u';
            *w++ = '0';
            *w++ = '0';
            *w++ = hex[c >> 4];
            *w++ = hex[c & 15];
        }
        ++i;
    }
    *w++ = '"';
    out.resize(static_cast<std::size_t>(w - out.data()));
}

void append_json_value(std::string& out, const field_value& v) {
    char buf[32];
    switch (v.kind) {
    case value_kind::string: append_json_string(out, v.text); break;
    case value_kind::json: out.append(v.text); break;
    case value_kind::integer: {
        auto r = std::to_chars(buf, buf + sizeof buf, v.integer);
        out.append(buf, r.ptr);
        break;
    }
    case value_kind::floating: {
        if (!std::isfinite(v.floating)) {
            out.append("null");
            break;
        }
        auto r = std::to_chars(buf, buf + sizeof buf, v.floating);
        out.append(buf, r.ptr);
        // Keep a float a float when read back ("1" would come back as an integer).
        std::string_view written(buf, static_cast<std::size_t>(r.ptr - buf));
        if (written.find_first_of(".eE") == std::string_view::npos) out.append(".0");
        break;
    }
    case value_kind::boolean: out.append(v.boolean ? "true" : "false"); break;
    case value_kind::null: out.append("null"); break;
    }
}

}  // namespace sightline
