#pragma once
// Shared by uppercase.cpp and lowercase.cpp: ASCII-only case change in place, so
// multi-byte UTF-8 sequences (all bytes >= 0x80) pass through untouched.
#include <span>

namespace sightline::detail {

inline void ascii_to_upper(std::span<char> s) {
    for (char& c : s)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - ('a' - 'A'));
}

inline void ascii_to_lower(std::span<char> s) {
    for (char& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + ('a' - 'A'));
}

}  // namespace sightline::detail
