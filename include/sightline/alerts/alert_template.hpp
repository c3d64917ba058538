#pragma once
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sightline {

/// An alert summary template, e.g. "{stage} fails {value:.1%} of lines".
/// Placeholders name a label (`alertname`, `severity`, `stage`, ...) or `value` and
/// `threshold`; numbers take an optional format: `:.Nf` fixed, `:.N%` percent, `:.Ne`
/// scientific. `{{` and `}}` are literal braces.
class alert_template {
public:
    /// Parses `text`; nullopt with `why` set when it is malformed.
    static std::optional<alert_template> parse(std::string_view text, std::string& why);
    /// Placeholder names, in order of appearance.
    std::vector<std::string> names() const;
    /// The text with placeholders filled in; an unknown label renders empty.
    std::string render(const std::map<std::string, std::string>& labels, double value, double threshold) const;

private:
    struct part {
        std::string text;  // literal text, or the placeholder name
        bool placeholder = false;
        char format = 0;    // 0 (shortest), 'f', '%' or 'e'
        int precision = 6;  // digits after the point when format is set
    };
    std::vector<part> parts_;
};

/// `v` in its shortest exact form ("0.05", "1e+20", "12").
std::string format_number(double v);

}  // namespace sightline
