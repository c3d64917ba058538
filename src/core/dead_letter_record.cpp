#include "sightline/core/dead_letter_record.hpp"

#include <boost/beast/core/detail/base64.hpp>  // Beast's own encoder: no hand-written base64
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>

#include "sightline/core/utf8.hpp"

namespace sightline {

namespace beast = boost::beast;

std::string dead_letter_record(std::string_view timestamp, std::string_view stage, std::string_view error_type,
                               std::string_view error, std::string_view line, std::optional<std::uint64_t> line_id) {
    boost::json::object o;
    o["timestamp"] = timestamp;
    o["stage"] = stage;
    o["error_type"] = error_type;
    o["error"] = valid_utf8(error);
    if (is_valid_utf8(line)) {
        o["line"] = line;
    } else {
        // JSON holds only UTF-8: a readable copy, and the exact bytes for replay.
        o["line"] = valid_utf8(line);
        std::string b64(beast::detail::base64::encoded_size(line.size()), '\0');
        b64.resize(beast::detail::base64::encode(b64.data(), line.data(), line.size()));
        o["line_base64"] = b64;
    }
    if (line_id) o["line_id"] = std::to_string(*line_id);  // a string: JavaScript loses precision past 2^53
    return boost::json::serialize(o);
}

std::optional<dead_letter_entry> parse_dead_letter_record(std::string_view text, std::string& error) {
    boost::system::error_code ec;
    auto doc = boost::json::parse(text, ec);
    if (ec || !doc.is_object()) {
        error = ec ? "not JSON: " + ec.message() : "not a JSON object";
        return std::nullopt;
    }
    const auto& o = doc.as_object();
    auto text_of = [&](std::string_view key) -> std::string {
        const auto* v = o.if_contains(key);
        return v && v->is_string() ? std::string(v->as_string()) : std::string();
    };
    dead_letter_entry e;
    const auto* line = o.if_contains("line");
    if (!line || !line->is_string()) {
        error = "no \"line\" string";
        return std::nullopt;
    }
    if (const auto* b64 = o.if_contains("line_base64")) {
        if (!b64->is_string()) {
            error = "line_base64 is not a string";
            return std::nullopt;
        }
        auto in = b64->as_string();
        std::string bytes(beast::detail::base64::decoded_size(in.size()), '\0');
        auto [written, read] = beast::detail::base64::decode(bytes.data(), in.data(), in.size());
        // Decoding stops at the padding: only up to two '=' may follow.
        auto rest = std::string_view(in).substr(read);
        if (rest.size() > 2 || rest.find_first_not_of('=') != std::string_view::npos) {
            error = "line_base64 is not base64";
            return std::nullopt;
        }
        bytes.resize(written);
        e.line = std::move(bytes);
    } else {
        e.line = std::string(line->as_string());
    }
    if (e.line.find('\n') != std::string::npos) {
        error = "the line holds a newline";
        return std::nullopt;
    }
    if (const auto* id = o.if_contains("line_id")) {
        std::uint64_t v = 0;
        std::string_view s = id->is_string() ? std::string_view(id->as_string()) : std::string_view();
        auto r = std::from_chars(s.data(), s.data() + s.size(), v);
        if (s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size() || v == 0) {
            error = "line_id is not a positive integer in a string";
            return std::nullopt;
        }
        e.line_id = v;
    }
    e.timestamp = text_of("timestamp");
    e.stage = text_of("stage");
    e.error_type = text_of("error_type");
    e.error = text_of("error");
    return e;
}

}  // namespace sightline
