// The `parse_json` processor: one JSON object per line; members become fields. Built
// on Boost.JSON's SAX parser (basic_parser): no DOM, no allocation per line once warm,
// and unescaped strings stay slices of the line.
#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/value_to.hpp>
#include <cstring>

#include "parser.hpp"
#include "sightline/core/json_text.hpp"

namespace sightline {
namespace {

using detail::parse_error;
using detail::parsed_fields;
namespace json = boost::json;

/// Turns parser events into fields: members of nested objects get dotted keys (or,
/// without flattening, are kept as JSON like arrays are).
class field_handler {
public:
    static constexpr std::size_t max_array_size = -1;
    static constexpr std::size_t max_object_size = -1;
    static constexpr std::size_t max_string_size = -1;
    static constexpr std::size_t max_key_size = -1;

    field_handler(bool flatten, detail::parser_processor* owner) : flatten_(flatten), owner_(owner) {}

    /// Prepares for a line: `input` is where slices may point, `out` gets the fields.
    void start(std::string_view input, parsed_fields* out, key_cache* keys) {
        input_ = input;
        out_ = out;
        keys_ = keys;
        depth_ = 0;
        capture_depth_ = 0;
        path_.clear();
        path_ends_.clear();
        key_.clear();
        str_.clear();
        num_.clear();
        raw_.clear();
        error_ = {};
        member_index_ = 0;
    }
    parse_error error_;

    bool on_document_begin(json::error_code&) { return true; }
    bool on_document_end(json::error_code&) { return true; }

    bool on_object_begin(json::error_code& ec) {
        if (depth_ == 0) {
            ++depth_;
            return true;
        }
        if (capturing() || !flatten_) {
            begin_value_raw();
            raw_.push_back('{');
            raw_first_ = true;
            ++depth_;
            if (capture_depth_ == 0) capture_depth_ = depth_;
            return true;
        }
        // Flattened: the member's key becomes the prefix of the nested members.
        path_ends_.push_back(path_.size());
        path_.append(member_key_.data(), member_key_.size());
        path_.push_back('.');
        ++depth_;
        (void)ec;
        return true;
    }
    bool on_object_end(std::size_t n, json::error_code& ec) {
        if (capturing()) {
            raw_.push_back('}');
            return end_container(ec);
        }
        --depth_;
        if (depth_ == 0) return true;
        auto empty_key = path_.substr(0, path_.size() - 1);  // the nested object's own key
        path_.resize(path_ends_.back());
        path_ends_.pop_back();
        if (n == 0) return add(empty_key, field_value::json("{}"), ec);  // {} stays visible
        return true;
    }
    bool on_array_begin(json::error_code& ec) {
        if (depth_ == 0) return not_object(ec);
        begin_value_raw();
        raw_.push_back('[');
        raw_first_ = true;
        ++depth_;
        if (capture_depth_ == 0) capture_depth_ = depth_;
        return true;
    }
    bool on_array_end(std::size_t, json::error_code& ec) {
        raw_.push_back(']');
        return end_container(ec);
    }
    bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
        key_.append(s.data(), s.size());
        return true;
    }
    bool on_key(json::string_view s, std::size_t, json::error_code&) {
        std::string_view key(s.data(), s.size());
        if (!key_.empty() || !within_input(key)) {
            // In parts, or unescaped by the parser into its own buffer: keep a copy.
            key_.append(key);
            member_store_.swap(key_);
            key = member_store_;
        }
        key_.clear();
        if (capturing()) {
            if (!raw_first_) raw_.push_back(',');
            append_json_string(raw_, key);
            raw_.push_back(':');
            raw_after_key_ = true;  // the value follows the colon without a comma
        } else {
            member_key_ = key;  // a slice of the line, or of member_store_, until the next key
        }
        return true;
    }
    bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
        str_.append(s.data(), s.size());
        parted_ = true;
        return true;
    }
    bool on_string(json::string_view s, std::size_t, json::error_code& ec) {
        if (depth_ == 0) return not_object(ec);
        std::string_view v(s.data(), s.size());
        if (parted_) {
            str_.append(v);
            v = str_;
        }
        parted_ = false;
        if (capturing()) {
            begin_value_raw();
            append_json_string(raw_, v);
            str_.clear();
            return true;
        }
        // An unescaped string is a slice of the line; anything else is copied.
        auto text = within_input(v) ? v : out_->arena.copy(v);
        str_.clear();
        return add_member(field_value::string(text), ec);
    }
    bool on_number_part(json::string_view s, json::error_code&) {
        num_.append(s.data(), s.size());
        return true;
    }
    bool on_int64(std::int64_t i, json::string_view s, json::error_code& ec) {
        if (depth_ == 0) return not_object(ec);
        num_.append(s.data(), s.size());
        if (capturing()) return raw_number();
        num_.clear();
        return add_member(field_value::of_integer(i), ec);
    }
    bool on_uint64(std::uint64_t, json::string_view s, json::error_code& ec) {
        // Beyond int64: kept exactly as its digits (a JSON value), not rounded.
        num_.append(s.data(), s.size());
        return huge_number(ec);
    }
    bool on_double(double d, json::string_view s, json::error_code& ec) {
        if (depth_ == 0) return not_object(ec);
        num_.append(s.data(), s.size());
        if (capturing()) return raw_number();
        if (num_.find_first_of(".eE") == std::string::npos) return huge_number(ec);  // an integer past uint64
        num_.clear();
        return add_member(field_value::of_float(d), ec);
    }
    bool on_bool(bool b, json::error_code& ec) {
        if (depth_ == 0) return not_object(ec);
        if (capturing()) {
            begin_value_raw();
            raw_.append(b ? "true" : "false");
            return true;
        }
        return add_member(field_value::of_bool(b), ec);
    }
    bool on_null(json::error_code& ec) {
        if (depth_ == 0) return not_object(ec);
        if (capturing()) {
            begin_value_raw();
            raw_.append("null");
            return true;
        }
        return add_member(field_value::null(), ec);
    }
    bool on_comment_part(json::string_view, json::error_code&) { return true; }
    bool on_comment(json::string_view, json::error_code&) { return true; }

private:
    bool within_input(std::string_view v) const {
        return v.data() >= input_.data() && v.data() + v.size() <= input_.data() + input_.size();
    }
    bool capturing() const { return capture_depth_ != 0; }
    /// A comma before a value inside a captured container (not after a key).
    void begin_value_raw() {
        if (!capturing()) return;
        if (raw_after_key_) {
            raw_after_key_ = raw_first_ = false;
            return;
        }
        if (!raw_first_) raw_.push_back(',');
        raw_first_ = false;
    }
    bool raw_number() {
        begin_value_raw();
        raw_.append(num_);
        num_.clear();
        return true;
    }
    bool huge_number(json::error_code& ec) {
        if (depth_ == 0) return not_object(ec);
        if (capturing()) return raw_number();
        auto text = out_->arena.copy(num_);
        num_.clear();
        return add_member(field_value::json(text), ec);
    }
    bool end_container(json::error_code& ec) {
        raw_first_ = false;
        if (depth_-- != capture_depth_) return true;
        capture_depth_ = 0;
        auto text = out_->arena.copy(raw_);
        raw_.clear();
        return add_member(field_value::json(text), ec);
    }
    // Inlined into each event handler: a value passed through the stack stalled on
    // store forwarding (written in small parts, read back whole).
    [[gnu::always_inline]] bool add_member(field_value v, json::error_code& ec) {
        if (path_.empty()) return add(member_key_, v, ec);
        full_key_.assign(path_).append(member_key_.data(), member_key_.size());
        return add(full_key_, v, ec);
    }
    [[gnu::always_inline]] bool add(std::string_view name, field_value v, json::error_code& ec) {
        if (name.empty()) return true;  // "": a member no field can be named after
        if (out_->fields.size() >= max_fields_per_line) {
            error_ = {"too_many_fields", "more than " + std::to_string(max_fields_per_line) + " fields"};
            ec = json::error::exception;
            return false;
        }
        // Lines of one stream have their members in the same order: the key this
        // position had on the last line is checked first (a compare, no hash).
        std::optional<key_id> k;
        if (member_index_ < keys_by_position_.size() && keys_by_position_[member_index_].first == name) {
            k = keys_by_position_[member_index_].second;
        } else {
            k = keys_->intern(name);
            if (k && member_index_ < max_positions) {
                if (member_index_ >= keys_by_position_.size()) keys_by_position_.resize(member_index_ + 1);
                keys_by_position_[member_index_] = {std::string(name), *k};
            }
        }
        ++member_index_;
        if (!k) {
            error_ = {"too_many_keys", "more distinct field names than the table holds"};
            ec = json::error::exception;
            return false;
        }
        out_->set(*k, v);
        return true;
    }
    bool not_object(json::error_code& ec) {
        error_ = {"not_object", "the line is JSON but not an object"};
        ec = json::error::exception;
        return false;
    }

    bool flatten_;
    detail::parser_processor* owner_;
    std::string_view input_;
    parsed_fields* out_ = nullptr;
    key_cache* keys_ = nullptr;
    std::size_t depth_ = 0;
    std::size_t capture_depth_ = 0;  // depth of the container being kept as JSON (0: none)
    bool raw_first_ = true;
    bool raw_after_key_ = false;
    bool parted_ = false;
    std::string path_;  // "a.b." while inside {"a":{"b":{...}}}
    std::vector<std::size_t> path_ends_;
    std::string_view member_key_;  // the current member's name
    std::string member_store_, full_key_, key_, str_, num_, raw_;
    static constexpr std::size_t max_positions = 64;
    std::size_t member_index_ = 0;  // fields added so far on this line
    std::vector<std::pair<std::string, key_id>> keys_by_position_;
};

class parse_json final : public detail::parser_processor {
public:
    parse_json(const boost::json::object& params, bool flatten, std::size_t max_depth)
        : parser_processor(params), parser_(options(max_depth), flatten, this) {}

protected:
    bool parse(std::string_view in, const line_context&, parsed_fields& out, parse_error& err) override {
        auto& h = parser_.handler();
        h.start(in, &out, &keys_);
        parser_.reset();
        json::error_code ec;
        auto used = parser_.write_some(false, in.data(), in.size(), ec);
        if (!ec) {
            // write_some stops after one value: anything but blanks after it is an error.
            auto rest = in.substr(used);
            if (rest.find_first_not_of(" \t\r\n") == std::string_view::npos) return true;
            err = {"invalid_json", "more after the object"};
            return false;
        }
        if (!h.error_.reason.empty()) {
            err = std::move(h.error_);
        } else if (ec == json::error::too_deep) {
            err = {"too_deep", "nested deeper than max_depth"};
        } else {
            err = {"invalid_json", ec.message()};
        }
        return false;
    }

private:
    static json::parse_options options(std::size_t max_depth) {
        json::parse_options o;
        o.max_depth = max_depth;
        return o;
    }
    json::basic_parser<field_handler> parser_;
};

}  // namespace

processor_descriptor parse_json_descriptor() {
    auto params = detail::parser_params();
    params.push_back({.name = "flatten",
                      .type = param_type::boolean,
                      .default_value = true,
                      .doc = "Members of nested objects become dotted fields (a.b); false keeps a nested object as one "
                             "JSON value. Arrays are always kept as JSON."});
    params.push_back({.name = "max_depth",
                      .type = param_type::integer,
                      .default_value = 32,
                      .doc = "Deepest nesting accepted (deeper: too_deep).",
                      .min = 1,
                      .max = 1024});
    return {{"parse_json", "Parses each line as one JSON object; its members become fields (typed).", std::move(params)},
            [](const boost::json::object& p, build_context&) -> std::unique_ptr<processor> {
                return std::make_unique<parse_json>(p, p.at("flatten").as_bool(),
                                                    static_cast<std::size_t>(p.at("max_depth").to_number<std::int64_t>()));
            }};
}

}  // namespace sightline
