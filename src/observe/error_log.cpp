#include "sightline/observe/error_log.hpp"

#include <chrono>

#include "sightline/core/time_format.hpp"
#include "sightline/core/utf8.hpp"

namespace sightline {

error_record error_record::make(std::string processor, std::string message, std::string error_type,
                                std::string_view line, std::uint64_t line_id) {
    constexpr std::size_t max_line = 1024;
    error_record r;
    r.unix_us = sightline::unix_us(std::chrono::system_clock::now());
    r.processor = std::move(processor);
    r.message = std::move(message);
    r.error_type = std::move(error_type);
    r.line_id = line_id;
    r.line_cut = line.size() > max_line;
    r.line = std::string(line.substr(0, utf8_prefix(line, max_line)));  // never inside a character
    return r;
}

boost::json::object error_record::to_json() const {
    boost::json::object o{
        {"timestamp", format_rfc3339(std::chrono::system_clock::time_point(std::chrono::microseconds(unix_us)))},
        {"processor", processor},
        {"message", valid_utf8(message)},
        {"error_type", error_type},
        {"line", valid_utf8(line)},  // JSON must be UTF-8; the line need not be
        {"line_cut", line_cut}};
    if (line_id)
        o["line_id"] = std::to_string(line_id);
    else
        o["line_id"] = nullptr;
    return o;
}

}  // namespace sightline
