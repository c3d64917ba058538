#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "sightline/core/field_keys.hpp"

namespace sightline {

/// A text with `{name}` placeholders, compiled once: "{timestamp} {host} {app}: {message}".
/// A name is letters, digits and `_ . @ -`; other braces are kept as they are. Each
/// user (set, sink templates, line_counter) decides what a name means: usually a field,
/// plus a few names of its own (`line`, `tag`, `count`...).
class event_template {
public:
    struct piece {
        std::string literal;  // text before the placeholder
        std::string name;     // empty: no placeholder (the last piece)
        key_id key = 0;       // the field of that name (interned at compile time)
    };
    explicit event_template(std::string_view text);
    const std::vector<piece>& pieces() const { return pieces_; }
    /// True when `name` is a placeholder of this template.
    bool uses(std::string_view name) const;
    /// Appends the rendered text to `out`; `value(piece, out)` appends a placeholder's text.
    template <class Value>
    void render(std::string& out, Value&& value) const {
        for (const auto& p : pieces_) {
            out.append(p.literal);
            if (!p.name.empty()) value(p, out);
        }
    }

private:
    std::vector<piece> pieces_;
};

}  // namespace sightline
