#include "sightline/processors/level_detector.hpp"

#include <array>
#include <cctype>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace sightline {
namespace {

constexpr std::array<bool, 256> make_word_table() {
    std::array<bool, 256> t{};
    for (int c = '0'; c <= '9'; ++c) t[static_cast<std::size_t>(c)] = true;
    for (int c = 'a'; c <= 'z'; ++c) t[static_cast<std::size_t>(c)] = true;
    for (int c = 'A'; c <= 'Z'; ++c) t[static_cast<std::size_t>(c)] = true;
    t['_'] = true;
    return t;
}
constexpr auto word_char = make_word_table();

bool is_word(char c) { return word_char[static_cast<unsigned char>(c)]; }

/// Level named by `word` (exact, upper case), none otherwise.
log_level level_of_upper_word(std::string_view w) {
    switch (w.size()) {
    case 3: return w == "ERR" ? log_level::error : log_level::none;
    case 4:
        if (w == "WARN") return log_level::warn;
        if (w == "INFO") return log_level::info;
        if (w == "CRIT") return log_level::error;
        return log_level::none;
    case 5:
        if (w == "ERROR" || w == "FATAL") return log_level::error;
        if (w == "DEBUG" || w == "TRACE") return log_level::debug;
        return log_level::none;
    case 7: return w == "WARNING" ? log_level::warn : log_level::none;
    case 8: return w == "CRITICAL" ? log_level::error : log_level::none;
    default: return log_level::none;
    }
}

log_level level_of_any_case(std::string_view w) {
    if (w.size() > 8) return log_level::none;
    char up[8];
    for (std::size_t i = 0; i < w.size(); ++i) up[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(w[i])));
    return level_of_upper_word(std::string_view(up, w.size()));
}

bool iequals(std::string_view s, std::string_view lower) {
    if (s.size() != lower.size()) return false;
    for (std::size_t i = 0; i < lower.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(s[i])) != lower[i]) return false;
    return true;
}

/// The level of `key=value` when the word ending at `eq` (the '=') is level, lvl or
/// severity in any case; the value may start with a quote.
log_level level_after_key(std::string_view line, std::size_t eq) {
    std::size_t start = eq;
    while (start > 0 && eq - start <= 8 && is_word(line[start - 1])) --start;
    std::string_view key = line.substr(start, eq - start);
    if (!iequals(key, "level") && !iequals(key, "lvl") && !iequals(key, "severity")) return log_level::none;
    std::size_t v = eq + 1;
    if (v < line.size() && line[v] == '"') ++v;
    std::size_t vend = v;
    while (vend < line.size() && is_word(line[vend])) ++vend;
    return level_of_any_case(line.substr(v, vend - v));
}

/// The level that starts at `i`, an upper-case letter or an '=': a level word that
/// begins there, or the value of a level key that ends there.
log_level level_at(std::string_view line, std::size_t i) {
    const bool after_word = i > 0 && is_word(line[i - 1]);
    if (line[i] == '=') return after_word ? level_after_key(line, i) : log_level::none;
    if (after_word) return log_level::none;
    std::size_t end = i + 1;
    while (end < line.size() && end - i <= 8 && is_word(line[end])) ++end;
    return end - i <= 8 ? level_of_upper_word(line.substr(i, end - i)) : log_level::none;
}

}  // namespace

log_level detect_level(std::string_view line) {
    // Only two kinds of byte can start a match: an upper-case letter that begins a word,
    // and an '=' that ends one. They are found 16 bytes at a time, and in order, so the
    // first match wins as before. The former word-by-word scan mispredicted a branch at
    // every word boundary and was the largest user-space cost of TCP ingestion.
    const char* p = line.data();
    const std::size_t n = line.size();
    std::size_t i = 0;
#if defined(__SSE2__)
    const __m128i a = _mm_set1_epi8('A'), span = _mm_set1_epi8('Z' - 'A'), eq = _mm_set1_epi8('=');
    for (; i + 16 <= n; i += 16) {
        const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
        const __m128i from_a = _mm_sub_epi8(x, a);
        const __m128i upper = _mm_cmpeq_epi8(_mm_min_epu8(from_a, span), from_a);
        auto mask = static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(upper, _mm_cmpeq_epi8(x, eq))));
        for (; mask != 0; mask &= mask - 1)
            if (auto l = level_at(line, i + static_cast<std::size_t>(__builtin_ctz(mask))); l != log_level::none) return l;
    }
#endif
    for (; i < n; ++i)
        if ((p[i] >= 'A' && p[i] <= 'Z') || p[i] == '=')
            if (auto l = level_at(line, i); l != log_level::none) return l;
    return log_level::none;
}

}  // namespace sightline
