#include "sightline/core/event_template.hpp"

namespace sightline {

namespace {
bool name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '@' ||
           c == '-';
}
}  // namespace

event_template::event_template(std::string_view text) {
    piece current;
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto open = text.find('{', pos);
        if (open == std::string_view::npos) break;
        auto close = text.find('}', open + 1);
        bool placeholder = close != std::string_view::npos && close > open + 1;
        for (std::size_t i = open + 1; placeholder && i < close; ++i) placeholder = name_char(text[i]);
        if (!placeholder) {  // not a placeholder: the brace is text
            current.literal.append(text.substr(pos, open + 1 - pos));
            pos = open + 1;
            continue;
        }
        current.literal.append(text.substr(pos, open - pos));
        current.name = std::string(text.substr(open + 1, close - open - 1));
        if (auto k = field_keys::intern(current.name)) current.key = *k;
        pieces_.push_back(std::move(current));
        current = piece{};
        pos = close + 1;
    }
    current.literal.append(text.substr(pos));
    pieces_.push_back(std::move(current));
}

bool event_template::uses(std::string_view name) const {
    for (const auto& p : pieces_)
        if (p.name == name) return true;
    return false;
}

}  // namespace sightline
