#include "sightline/processors/level_detector.hpp"

#include <array>
#include <cctype>

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

}  // namespace

log_level detect_level(std::string_view line) {
    const std::size_t n = line.size();
    std::size_t i = 0;
    while (i < n) {
        // Jump to the start of the next word.
        while (i < n && !is_word(line[i])) ++i;
        std::size_t start = i;
        while (i < n && is_word(line[i])) ++i;
        std::string_view word = line.substr(start, i - start);
        if (word.empty()) break;
        char c = word[0];
        if (c >= 'A' && c <= 'Z' && word.size() <= 8) {
            if (auto l = level_of_upper_word(word); l != log_level::none) return l;
        }
        // key=value form: level=error, lvl=WARN, severity=Info
        if (i < n && line[i] == '=' && (iequals(word, "level") || iequals(word, "lvl") || iequals(word, "severity"))) {
            std::size_t v = i + 1;
            if (v < n && line[v] == '"') ++v;
            std::size_t vend = v;
            while (vend < n && is_word(line[vend])) ++vend;
            if (auto l = level_of_any_case(line.substr(v, vend - v)); l != log_level::none) return l;
        }
    }
    return log_level::none;
}

}  // namespace sightline
