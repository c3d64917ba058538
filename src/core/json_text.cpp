#include "sightline/core/json_text.hpp"

#include <array>
#include <charconv>
#include <cmath>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <tmmintrin.h>
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
/// Copies the plain bytes of the 16-byte block at `p`, from byte `skip` on, to `w`, a
/// backslash before each quote and backslash (branch-free: a JSON line kept as `message`
/// has a quote every few bytes, and a branch per quote was most of the cost). Stops
/// before the first byte that needs more (a control byte, or >= 0x80 for the UTF-8
/// check); returns the bytes consumed.
inline std::size_t escape_block(const char* p, unsigned skip, char*& w, bool& stopped) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    // signed compare: bytes >= 0x80 are negative, so "< 0x20" catches them too
    auto hard = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)))) >> skip;
    auto quote = static_cast<unsigned>(_mm_movemask_epi8(
                     _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))))) >>
                 skip;
    const std::size_t count = 16 - skip;
    std::size_t limit = hard ? static_cast<std::size_t>(__builtin_ctz(hard)) : count;
    stopped = hard != 0;
    if (quote == 0 && limit == 16) {
        _mm_storeu_si128(reinterpret_cast<__m128i*>(w), v);
        w += 16;
        return 16;
    }
    p += skip;
    for (std::size_t k = 0; k < limit; ++k) {
        *w = '\\';
        w += (quote >> k) & 1u;
        *w++ = p[k];
    }
    return limit;
}

/// Escapes whole 16-byte blocks of `p` until fewer than 16 bytes are left or a byte
/// needs more than a backslash (`stopped`); returns the bytes consumed.
using escape_blocks_fn = std::size_t (*)(const char* p, std::size_t n, char*& w, bool& stopped);

std::size_t escape_blocks_sse2(const char* p, std::size_t n, char*& w, bool& stopped) {
    std::size_t i = 0;
    stopped = false;
    while (i + 16 <= n && !stopped) i += escape_block(p + i, 0, w, stopped);
    return i;
}

#if defined(__x86_64__) && defined(__GNUC__)
/// For each set of quotes among 8 bytes (a bit each): the pshufb indices that spread the
/// 8 bytes over 8 + quotes bytes with a gap (0x80: a zero) before each quote, and that length.
struct quote_spreads {
    alignas(16) std::array<std::array<unsigned char, 16>, 256> shuffle{};
    std::array<unsigned char, 256> length{};
};
constexpr quote_spreads make_quote_spreads() {
    quote_spreads t;
    for (unsigned m = 0; m < 256; ++m) {
        unsigned j = 0;
        for (unsigned k = 0; k < 8; ++k) {
            if ((m >> k) & 1u) t.shuffle[m][j++] = 0x80;
            t.shuffle[m][j++] = static_cast<unsigned char>(k);
        }
        for (unsigned r = j; r < 16; ++r) t.shuffle[m][r] = 0x80;
        t.length[m] = static_cast<unsigned char>(j);
    }
    return t;
}
constexpr quote_spreads spreads = make_quote_spreads();

/// Writes the low 8 bytes of `half` with a backslash before each quote `m` marks.
__attribute__((target("ssse3"))) inline void spread_quotes(__m128i half, unsigned m, char*& w) {
    __m128i idx = _mm_load_si128(reinterpret_cast<const __m128i*>(spreads.shuffle[m].data()));
    __m128i gaps = _mm_cmpeq_epi8(idx, _mm_set1_epi8(static_cast<char>(0x80)));
    __m128i o = _mm_or_si128(_mm_shuffle_epi8(half, idx), _mm_and_si128(gaps, _mm_set1_epi8('\\')));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(w), o);  // room: two bytes per byte left
    w += spreads.length[m];
}

/// escape_blocks with SSSE3's byte shuffle: a block with quotes costs two shuffles, not
/// a dependent store per byte.
__attribute__((target("ssse3"))) std::size_t escape_blocks_ssse3(const char* p, std::size_t n, char*& w, bool& stopped) {
    const __m128i backslash = _mm_set1_epi8('\\');
    std::size_t i = 0;
    stopped = false;
    while (i + 16 <= n) {
        __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
        if (_mm_movemask_epi8(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20))) != 0) return i + escape_block(p + i, 0, w, stopped);
        auto quote = static_cast<unsigned>(
            _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, backslash))));
        if (quote == 0) {
            _mm_storeu_si128(reinterpret_cast<__m128i*>(w), v);
            w += 16;
        } else {
            spread_quotes(v, quote & 0xFFu, w);
            spread_quotes(_mm_srli_si128(v, 8), quote >> 8, w);
        }
        i += 16;
    }
    return i;
}
#endif

escape_blocks_fn best_escape_blocks() {
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("ssse3")) return escape_blocks_ssse3;
#endif
    return escape_blocks_sse2;
}
}  // namespace
#endif

namespace {
#if !defined(__SSE2__)
using escape_blocks_fn = void*;
#endif

void append_escaped(std::string& out, std::string_view s, [[maybe_unused]] escape_blocks_fn escape_blocks) {
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
        if (n - i >= 16) i += escape_blocks(s.data() + i, n - i, w, stopped);
        // The last bytes: the block that ends where s ends, less what is written already
        // (no read past s; strings shorter than a block take the byte loop).
        if (!stopped && i < n && n >= 16) i += escape_block(s.data() + n - 16, static_cast<unsigned>(16 - (n - i)), w, stopped);
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
}  // namespace

void append_json_string(std::string& out, std::string_view s) {
#if defined(__SSE2__)
    static const escape_blocks_fn blocks = best_escape_blocks();
    append_escaped(out, s, blocks);
#else
    append_escaped(out, s, nullptr);
#endif
}

void detail::append_json_string_sse2(std::string& out, std::string_view s) {
#if defined(__SSE2__)
    append_escaped(out, s, escape_blocks_sse2);
#else
    append_escaped(out, s, nullptr);
#endif
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
