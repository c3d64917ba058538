#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "sightline/core/field_keys.hpp"

namespace sightline {

/// The type of a field's value. An object or array value is kept as its JSON text.
enum class value_kind : std::uint8_t { string, integer, floating, boolean, null, json };

/// Name of a kind as README and the API spell it ("string", "integer", "float", ...).
std::string_view to_string(value_kind k);

/// A typed value. Text (string and json kinds) is a view: into the batch's bytes when
/// read from a batch, or into the processor's storage until it is emitted.
struct field_value {
    value_kind kind = value_kind::null;
    /// The text is static storage that outlives every batch (a parser's fixed names, such
    /// as "err" or "local0"): batches keep the pointer instead of a copy of the bytes.
    bool literal = false;
    union {  // 24 bytes in all: parsers make and copy millions of these a second
        std::string_view text;  // string and json kinds only
        std::int64_t integer;
        double floating;
        bool boolean;
    };
    field_value() : text() {}
    static field_value string(std::string_view s) {
        field_value v;
        v.kind = value_kind::string;
        v.text = s;
        return v;
    }
    /// A string in static storage (a string literal or a constant table's entry).
    static field_value literal_string(std::string_view s) {
        field_value v = string(s);
        v.literal = true;
        return v;
    }
    static field_value json(std::string_view s) {
        field_value v = string(s);
        v.kind = value_kind::json;
        return v;
    }
    static field_value of_integer(std::int64_t i) {
        field_value v;
        v.kind = value_kind::integer;
        v.integer = i;
        return v;
    }
    static field_value of_float(double d) {
        field_value v;
        v.kind = value_kind::floating;
        v.floating = d;
        return v;
    }
    static field_value of_bool(bool b) {
        field_value v;
        v.kind = value_kind::boolean;
        v.boolean = b;
        return v;
    }
    static field_value null() { return {}; }
    bool has_text() const { return kind == value_kind::string || kind == value_kind::json; }
    bool operator==(const field_value& o) const;
    /// The value as template text: a string as it is, numbers and booleans in JSON
    /// spelling, null as "", json as its text. Appends to `out`.
    void append_text(std::string& out) const;
    /// The value as text for comparisons (equals, routes): a string's own text, else
    /// append_text into `scratch` (which the view then points into).
    std::string_view text_for_compare(std::string& scratch) const {
        if (kind == value_kind::string) return text;
        scratch.clear();
        append_text(scratch);
        return scratch;
    }
    /// The value as a number, when it is one or a string that spells one.
    bool as_number(double& out) const;
};

/// A named value as processors see it.
struct field_view {
    key_id key = 0;
    field_value value;
};

/// A field as a batch stores it: 16 bytes; string and json text is (offset, length)
/// in the batch's byte buffer, next to the line text it was usually cut from, or
/// (literal_text, length) for a literal value.
struct stored_field {
    key_id key = 0;
    value_kind kind = value_kind::null;
    bool literal = false;
    std::uint32_t length = 0;
    union {
        std::uint32_t offset;
        const char* literal_text;
        std::int64_t integer;
        double floating;
        bool boolean;
    };
    stored_field() : integer(0) {}
};
static_assert(sizeof(stored_field) == 16);

/// The most fields one line may carry (a parser fails the line beyond it: too_many_fields).
inline constexpr std::size_t max_fields_per_line = 1024;

}  // namespace sightline
