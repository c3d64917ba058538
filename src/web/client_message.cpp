#include "sightline/web/client_message.hpp"

#include <boost/json/parse.hpp>

namespace sightline {

namespace json = boost::json;

namespace {
/// The first `max` bytes of `s`, never splitting a UTF-8 sequence (error texts go to
/// the client in a text frame, which must be valid UTF-8).
std::string cut_utf8(std::string_view s, std::size_t max = 64) {
    if (s.size() <= max) return std::string(s);
    std::size_t end = max;
    while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;  // back to a lead byte
    return std::string(s.substr(0, end));
}
}  // namespace

client_message parse_client_message(std::string_view text) {
    json::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec) return invalid_message{"invalid JSON: " + ec.message()};
    if (!v.is_object()) return invalid_message{"a message must be a JSON object"};
    const auto& o = v.get_object();
    auto type = o.find("type");
    if (type == o.end() || !type->value().is_string()) return invalid_message{"\"type\" must be a string"};
    std::string_view t = type->value().get_string();
    if (t == "ping") return ping_request{};
    if (t != "subscribe") return invalid_message{"unknown type \"" + cut_utf8(t) + "\""};
    subscribe_request r;
    for (const auto& kv : o) {
        std::string_view key = kv.key();
        if (key == "type") continue;
        std::string* field = key == "stage"     ? &r.filter.stage
                             : key == "status"  ? &r.filter.status
                             : key == "outcome" ? &r.filter.outcome
                             : key == "text"    ? &r.filter.text
                                                : nullptr;
        if (!field) return invalid_message{"unknown field \"" + cut_utf8(key) + "\""};
        if (!kv.value().is_string()) return invalid_message{"\"" + std::string(key) + "\" must be a string"};
        std::string_view value = kv.value().get_string();
        if (value.size() > 256) return invalid_message{"\"" + std::string(key) + "\" is longer than 256 bytes"};
        *field = std::string(value);
    }
    return r;
}

}  // namespace sightline
