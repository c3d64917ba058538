// The `parse_logfmt` processor: key=value pairs, as Heroku's logfmt and Go's logfmt
// packages write them. Values are strings; a bare key is the boolean true.
#include "parser.hpp"

namespace sightline {
namespace {

using detail::parse_error;
using detail::parsed_fields;

class parse_logfmt final : public detail::parser_processor {
public:
    using parser_processor::parser_processor;

protected:
    bool parse(std::string_view in, const line_context&, parsed_fields& out, parse_error& err) override {
        std::size_t pos = 0, pairs = 0;
        auto space = [](char c) { return c == ' ' || c == '\t'; };
        while (pos < in.size()) {
            while (pos < in.size() && space(in[pos])) ++pos;
            if (pos >= in.size()) break;
            std::size_t k = pos;
            while (pos < in.size() && !space(in[pos]) && in[pos] != '=' && in[pos] != '"') ++pos;
            auto key = in.substr(k, pos - k);
            if (key.empty()) {
                err = {"bad_key", "a pair at byte " + std::to_string(k) + " has no key"};
                return false;
            }
            key_id id;
            if (!intern(key, id, err)) return false;
            ++pairs;
            if (pos >= in.size() || in[pos] != '=') {
                out.set(id, field_value::of_bool(true));  // a bare key: a flag
                continue;
            }
            ++pos;
            if (pos < in.size() && in[pos] == '"') {
                std::size_t v = ++pos;
                bool escaped = false;
                while (pos < in.size() && in[pos] != '"') {
                    if (in[pos] == '\\' && pos + 1 < in.size()) {
                        escaped = true;
                        ++pos;
                    }
                    ++pos;
                }
                if (pos >= in.size()) {
                    err = {"unterminated_quote", "the value of " + std::string(key) + " has no closing quote"};
                    return false;
                }
                auto raw = in.substr(v, pos - v);
                ++pos;
                out.set(id, field_value::string(escaped ? unescape(raw, out) : raw));
            } else {
                std::size_t v = pos;
                while (pos < in.size() && !space(in[pos])) ++pos;
                out.set(id, field_value::string(in.substr(v, pos - v)));
            }
        }
        if (pairs == 0) {
            err = {"no_pairs", "no key=value pair in the line"};
            return false;
        }
        return true;
    }

private:
    /// \" \\ \n \t \r unescaped; another backslash is kept with its character.
    static std::string_view unescape(std::string_view raw, parsed_fields& out) {
        char* p = out.arena.allocate(raw.size());
        std::size_t n = 0;
        for (std::size_t i = 0; i < raw.size(); ++i) {
            char c = raw[i];
            if (c == '\\' && i + 1 < raw.size()) {
                char e = raw[++i];
                switch (e) {
                case 'n': c = '\n'; break;
                case 't': c = '\t'; break;
                case 'r': c = '\r'; break;
                case '"':
                case '\\': c = e; break;
                default: p[n++] = '\\'; c = e;
                }
            }
            p[n++] = c;
        }
        return {p, n};
    }
};

}  // namespace

processor_descriptor parse_logfmt_descriptor() {
    return {{"parse_logfmt",
             "Parses key=value pairs (values quoted with \"...\" and backslash escapes; a bare key is true) into fields.",
             detail::parser_params()},
            [](const boost::json::object& p, build_context&) -> std::unique_ptr<processor> {
                return std::make_unique<parse_logfmt>(p);
            }};
}

}  // namespace sightline
