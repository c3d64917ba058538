#pragma once
// What every parser processor shares: `field` (parse this field's text instead of the
// line's), `on_error` (fail, keep or drop), and collecting the parsed fields so that a
// line that fails to parse goes on exactly as it came (no half-parsed fields).
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "sightline/core/byte_arena.hpp"
#include "sightline/core/field_keys.hpp"
#include "sightline/processors/registry.hpp"

namespace sightline::detail {

enum class on_error_policy { fail, keep, drop };

/// The parameters every parser has, to append to its own.
std::vector<param_spec> parser_params();

/// Why a line did not parse: a short reason (a literal: counted per reason) and a message.
struct parse_error {
    std::string_view reason;
    std::string message;
};

/// The fields a parser found in one line. Text is a slice of the input, a copy in
/// `arena` (unescaped strings) or a literal; all stay valid until the line is emitted.
struct parsed_fields {
    std::vector<field_view> fields;
    byte_arena arena;
    /// Adds `key`, which this line has not had yet (a parser's fixed names).
    void add(key_id key, const field_value& v) {
        // Built in place: a field_view made on the stack and copied in stalled on
        // store forwarding (its 24-byte value read back across two 16-byte stores).
        auto& f = fields.emplace_back();
        f.key = key;
        f.value = v;
    }
    /// Adds or replaces `key` (a repeated JSON member or logfmt key: the last wins).
    /// A per-key stamp makes the check O(1) however many fields the line has.
    void set(key_id key, const field_value& v) {
        if (seen_[key] == line_) {
            for (auto& f : fields)
                if (f.key == key) {
                    f.value = v;
                    return;
                }
        }
        seen_[key] = line_;
        add(key, v);
    }
    void clear() {
        fields.clear();
        arena.reset();
        if (++line_ == 0) {  // the stamp wrapped: forget every key
            std::fill(seen_.begin(), seen_.end(), 0);
            line_ = 1;
        }
    }

private:
    std::vector<std::uint32_t> seen_ = std::vector<std::uint32_t>(field_keys::capacity + 1, 0);
    std::uint32_t line_ = 1;
};

class parser_processor : public processor {
public:
    /// Reads `field` and `on_error` from `params`.
    explicit parser_processor(const boost::json::object& params);
    void process(line_context& line) final;

protected:
    /// Parses `input` into `out`; returns false after filling `err`.
    virtual bool parse(std::string_view input, const line_context& line, parsed_fields& out, parse_error& err) = 0;

    /// Interns a name or fails the parse (the field-name table is full).
    bool intern(std::string_view name, key_id& id, parse_error& err);
    key_cache keys_;

private:
    std::optional<key_id> field_;
    std::string field_name_;
    on_error_policy on_error_;
    parsed_fields parsed_;
};

}  // namespace sightline::detail
