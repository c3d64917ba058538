#include "sightline/alerts/alert_template.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace sightline {

std::string format_number(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, r.ptr);
}

namespace {

/// Parses a format spec after ':' (".1%", ".3f", ".2e"); false when malformed.
bool parse_spec(std::string_view spec, char& format, int& precision) {
    if (spec.size() < 3 || spec.front() != '.') return false;
    format = spec.back();
    if (format != 'f' && format != '%' && format != 'e') return false;
    auto digits = spec.substr(1, spec.size() - 2);
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), precision);
    return ec == std::errc() && p == digits.data() + digits.size() && precision >= 0 && precision <= 17;
}

bool is_name_char(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'; }

}  // namespace

std::optional<alert_template> alert_template::parse(std::string_view text, std::string& why) {
    alert_template t;
    std::string literal;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if ((c == '{' || c == '}') && i + 1 < text.size() && text[i + 1] == c) {
            literal += c;
            ++i;
            continue;
        }
        if (c == '}') {
            why = "unmatched } at offset " + std::to_string(i) + " (write }} for a literal brace)";
            return std::nullopt;
        }
        if (c != '{') {
            literal += c;
            continue;
        }
        auto close = text.find('}', i);
        if (close == std::string_view::npos) {
            why = "unclosed { at offset " + std::to_string(i);
            return std::nullopt;
        }
        auto inside = text.substr(i + 1, close - i - 1);
        auto colon = inside.find(':');
        part p;
        p.placeholder = true;
        p.text = std::string(inside.substr(0, colon));
        if (p.text.empty() || !std::all_of(p.text.begin(), p.text.end(), is_name_char)) {
            why = "bad placeholder {" + std::string(inside) + "}";
            return std::nullopt;
        }
        if (colon != std::string_view::npos && !parse_spec(inside.substr(colon + 1), p.format, p.precision)) {
            why = "bad format in {" + std::string(inside) + "} (expected :.Nf, :.N% or :.Ne)";
            return std::nullopt;
        }
        if (!literal.empty()) t.parts_.push_back({std::move(literal)});
        literal.clear();
        t.parts_.push_back(std::move(p));
        i = close;
    }
    if (!literal.empty()) t.parts_.push_back({std::move(literal)});
    return t;
}

std::vector<std::string> alert_template::names() const {
    std::vector<std::string> out;
    for (const auto& p : parts_)
        if (p.placeholder) out.push_back(p.text);
    return out;
}

std::string alert_template::render(const std::map<std::string, std::string>& labels, double value,
                                   double threshold) const {
    std::string out;
    for (const auto& p : parts_) {
        if (!p.placeholder) {
            out += p.text;
            continue;
        }
        if (p.text == "value" || p.text == "threshold") {
            double v = p.text == "value" ? value : threshold;
            if (p.format == 0 || !std::isfinite(v)) {
                out += format_number(v);
                continue;
            }
            char buf[64];
            if (p.format == '%')
                std::snprintf(buf, sizeof buf, "%.*f%%", p.precision, v * 100.0);
            else
                std::snprintf(buf, sizeof buf, p.format == 'f' ? "%.*f" : "%.*e", p.precision, v);
            out += buf;
            continue;
        }
        if (auto it = labels.find(p.text); it != labels.end()) out += it->second;
    }
    return out;
}

}  // namespace sightline
