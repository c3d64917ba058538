#pragma once
#include <boost/regex.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace sightline {

/// Tests whether a line contains a pattern: a plain substring (fast path) or a regex,
/// either case-sensitive or not. Shared by filter, tagger rules and fault.
class text_matcher {
public:
    /// Throws boost::regex_error when `regex` is true and the pattern does not compile.
    text_matcher(std::string pattern, bool regex, bool ignore_case);
    /// True when `text` contains the pattern (or a regex match).
    bool matches(std::string_view text) const;
    /// The compiled regex (every mode but case-sensitive substring has one).
    const std::optional<boost::regex>& regex() const { return regex_; }

private:
    std::string pattern_;
    std::optional<boost::regex> regex_;
};

}  // namespace sightline
