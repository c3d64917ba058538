#include "sightline/processors/text_matcher.hpp"

namespace sightline {

text_matcher::text_matcher(std::string pattern, bool regex, bool ignore_case) : pattern_(std::move(pattern)) {
    if (regex || ignore_case) {
        boost::regex::flag_type flags = regex ? boost::regex::perl : boost::regex::literal;
        if (ignore_case) flags |= boost::regex::icase;
        regex_.emplace(pattern_, flags);
    }
}

bool text_matcher::matches(std::string_view text) const {
    if (!regex_) return text.find(pattern_) != std::string_view::npos;
    return boost::regex_search(text.begin(), text.end(), *regex_);
}

}  // namespace sightline
