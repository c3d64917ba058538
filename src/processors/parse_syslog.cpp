// The `parse_syslog` processor: RFC 5424 and RFC 3164 (and the variants real senders
// write), detected per line, into the fields README lists.
#include <array>
#include <boost/json/value_to.hpp>
#include <charconv>
#include <cstring>
#include <ctime>

#include "parser.hpp"

namespace sightline {
namespace {

using detail::parse_error;
using detail::parsed_fields;

constexpr std::array<std::string_view, 24> facility_names = {
    "kern", "user",   "mail",     "daemon",  "auth",         "syslog", "lpr",    "news",
    "uucp", "cron",   "authpriv", "ftp",     "ntp",          "security", "console", "solaris-cron",
    "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"};
constexpr std::array<std::string_view, 8> severity_names = {"emerg", "alert", "crit", "err",
                                                            "warning", "notice", "info", "debug"};
constexpr std::array<std::string_view, 12> month_names = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

/// The `timezone` of RFC 3164 timestamps: UTC, the process's local zone, or a fixed offset.
struct zone {
    enum class kind { utc, local, fixed } k = kind::utc;
    int offset_minutes = 0;
    /// Offset from UTC at Unix time `t`.
    int offset_at(std::time_t t) const {
        if (k == kind::fixed) return offset_minutes;
        if (k == kind::utc) return 0;
        std::tm tm{};
        localtime_r(&t, &tm);
        return static_cast<int>(tm.tm_gmtoff / 60);
    }
};

/// "+02:00" -> 120; false when not of that form.
bool parse_offset(std::string_view s, int& minutes) {
    if (s.size() != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':' || !is_digit(s[1]) || !is_digit(s[2]) ||
        !is_digit(s[4]) || !is_digit(s[5]))
        return false;
    int h = (s[1] - '0') * 10 + (s[2] - '0'), m = (s[4] - '0') * 10 + (s[5] - '0');
    if (h > 23 || m > 59) return false;
    minutes = (s[0] == '-' ? -1 : 1) * (h * 60 + m);
    return true;
}

void append_2(std::string& out, int v) {
    out.push_back(static_cast<char>('0' + v / 10 % 10));
    out.push_back(static_cast<char>('0' + v % 10));
}

void append_offset(std::string& out, int minutes) {
    if (minutes == 0) {
        out.push_back('Z');
        return;
    }
    out.push_back(minutes < 0 ? '-' : '+');
    int a = minutes < 0 ? -minutes : minutes;
    append_2(out, a / 60);
    out.push_back(':');
    append_2(out, a % 60);
}

/// Length of an RFC 3339 timestamp at the start of `s` ("2003-10-11T22:14:15.003Z"),
/// 0 when there is none. `zone_len` gets the length of its zone part (0: none given).
std::size_t rfc3339_length(std::string_view s, std::size_t& zone_len) {
    zone_len = 0;
    // YYYY-MM-DDTHH:MM:SS
    static constexpr std::string_view shape = "dddd-dd-ddTdd:dd:dd";
    if (s.size() < shape.size()) return 0;
    for (std::size_t i = 0; i < shape.size(); ++i) {
        if (shape[i] == 'd' ? !is_digit(s[i]) : (shape[i] == 'T' ? (s[i] != 'T' && s[i] != 't') : s[i] != shape[i]))
            return 0;
    }
    auto two = [&](std::size_t i) { return (s[i] - '0') * 10 + (s[i + 1] - '0'); };
    if (two(5) < 1 || two(5) > 12 || two(8) < 1 || two(8) > 31 || two(11) > 23 || two(14) > 59 || two(17) > 60) return 0;
    std::size_t n = shape.size();
    if (n < s.size() && s[n] == '.') {
        std::size_t d = n + 1;
        while (d < s.size() && is_digit(s[d]) && d - n <= 9) ++d;
        if (d == n + 1) return 0;
        n = d;
    }
    if (n < s.size() && (s[n] == 'Z' || s[n] == 'z')) {
        zone_len = 1;
    } else if (n + 6 <= s.size() && (s[n] == '+' || s[n] == '-')) {
        int m;
        if (!parse_offset(s.substr(n, 6), m)) return 0;
        zone_len = 6;
    }
    return n + zone_len;
}

class parse_syslog final : public detail::parser_processor {
public:
    parse_syslog(const boost::json::object& params, zone z) : parser_processor(params), zone_(z) {
        auto key = [](std::string_view n) { return *field_keys::intern(n); };
        facility_ = key("facility");
        severity_ = key("severity");
        timestamp_ = key("timestamp");
        host_ = key("host");
        app_ = key("app");
        procid_ = key("procid");
        msgid_ = key("msgid");
        message_ = key("message");
    }

protected:
    bool parse(std::string_view in, const line_context& line, parsed_fields& out, parse_error& err) override {
        if (in.empty()) {
            err = {"empty", "an empty line is no syslog message"};
            return false;
        }
        std::size_t pos = 0;
        int pri = 13;  // no PRI: user.notice, as RFC 3164 §4.3.3 has a relay assume
        if (in[0] == '<') {
            std::size_t close = in.find('>', 1);
            if (close == std::string_view::npos || close < 2 || close > 4) {
                err = {"bad_pri", "the line starts with '<' but has no PRI of 1 to 3 digits and '>'"};
                return false;
            }
            int v = 0;
            for (std::size_t i = 1; i < close; ++i) {
                if (!is_digit(in[i])) {
                    err = {"bad_pri", "PRI must be digits"};
                    return false;
                }
                v = v * 10 + (in[i] - '0');
            }
            if (v > 191 || (close > 2 && in[1] == '0')) {
                err = {"bad_pri", "PRI " + std::string(in.substr(1, close - 1)) + " is not 0 to 191"};
                return false;
            }
            pri = v;
            pos = close + 1;
        }
        out.add(facility_, field_value::literal_string(facility_names[static_cast<std::size_t>(pri / 8)]));
        out.add(severity_, field_value::literal_string(severity_names[static_cast<std::size_t>(pri % 8)]));
        // RFC 5424: a VERSION (a non-zero digit, up to three) and a space after the PRI.
        if (pos > 0 && pos < in.size() && in[pos] >= '1' && in[pos] <= '9') {
            std::size_t v = pos;
            while (v < in.size() && is_digit(in[v]) && v - pos < 3) ++v;
            if (v < in.size() && in[v] == ' ') return parse_5424(in, v + 1, out, err);
        }
        return parse_3164(in, pos, line, out);
    }

private:
    /// The next space-separated header field at `pos` (moved past its space); false at
    /// the end of input.
    static bool next_token(std::string_view in, std::size_t& pos, std::string_view& token) {
        if (pos >= in.size()) return false;
        std::size_t sp = in.find(' ', pos);
        token = in.substr(pos, sp == std::string_view::npos ? std::string_view::npos : sp - pos);
        pos = sp == std::string_view::npos ? in.size() : sp + 1;
        return !token.empty();
    }

    bool parse_5424(std::string_view in, std::size_t pos, parsed_fields& out, parse_error& err) {
        std::string_view ts, host, app, procid, msgid;
        if (!next_token(in, pos, ts) || !next_token(in, pos, host) || !next_token(in, pos, app) ||
            !next_token(in, pos, procid) || !next_token(in, pos, msgid)) {
            err = {"truncated", "the RFC 5424 header ends before STRUCTURED-DATA"};
            return false;
        }
        if (ts != "-") {
            std::size_t zone_len;
            if (rfc3339_length(ts, zone_len) != ts.size() || zone_len == 0) {
                err = {"bad_timestamp", "TIMESTAMP is not an RFC 3339 time with a zone"};
                return false;
            }
            out.add(timestamp_, field_value::string(ts));
        }
        auto header = [&](key_id k, std::string_view v, std::size_t max, std::string_view name) {
            if (v == "-") return true;
            if (v.size() > max) {
                err = {"field_too_long", std::string(name) + " is longer than " + std::to_string(max)};
                return false;
            }
            out.add(k, field_value::string(v));
            return true;
        };
        if (!header(host_, host, 255, "HOSTNAME") || !header(app_, app, 48, "APP-NAME") ||
            !header(procid_, procid, 128, "PROCID") || !header(msgid_, msgid, 32, "MSGID"))
            return false;
        if (pos >= in.size()) {
            err = {"truncated", "the RFC 5424 header has no STRUCTURED-DATA"};
            return false;
        }
        if (in[pos] == '-') {
            ++pos;
        } else if (in[pos] == '[') {
            if (!parse_structured_data(in, pos, out, err)) return false;
        } else {
            err = {"bad_structured_data", "STRUCTURED-DATA must be '-' or start with '['"};
            return false;
        }
        if (pos < in.size()) {
            if (in[pos] != ' ') {
                err = {"bad_structured_data", "STRUCTURED-DATA must be followed by a space or the end"};
                return false;
            }
            auto msg = trim_newlines(in.substr(pos + 1));
            if (msg.substr(0, 3) == "\xEF\xBB\xBF") msg.remove_prefix(3);  // the BOM of a UTF-8 MSG
            if (!msg.empty()) out.add(message_, field_value::string(msg));
        }
        return true;
    }

    bool parse_structured_data(std::string_view in, std::size_t& pos, parsed_fields& out, parse_error& err) {
        auto bad = [&](std::string m) {
            err = {"bad_structured_data", std::move(m)};
            return false;
        };
        auto name_end = [&](std::size_t from) {
            std::size_t e = from;
            while (e < in.size() && in[e] != ' ' && in[e] != '=' && in[e] != ']' && in[e] != '"' &&
                   static_cast<unsigned char>(in[e]) > 32 && static_cast<unsigned char>(in[e]) < 127)
                ++e;
            return e;
        };
        while (pos < in.size() && in[pos] == '[') {
            std::size_t id_end = name_end(pos + 1);
            auto id = in.substr(pos + 1, id_end - pos - 1);
            if (id.empty() || id.size() > 32) return bad("an SD-ID must be 1 to 32 printable characters");
            pos = id_end;
            while (pos < in.size() && in[pos] == ' ') {
                std::size_t n_end = name_end(pos + 1);
                auto name = in.substr(pos + 1, n_end - pos - 1);
                if (name.empty() || name.size() > 32) return bad("a PARAM-NAME must be 1 to 32 printable characters");
                if (n_end + 1 >= in.size() || in[n_end] != '=' || in[n_end + 1] != '"')
                    return bad("PARAM-NAME must be followed by =\"");
                std::size_t v = n_end + 2, e = v;
                bool escaped = false;
                while (e < in.size() && in[e] != '"') {
                    if (in[e] == '\\' && e + 1 < in.size()) {
                        escaped = escaped || in[e + 1] == '"' || in[e + 1] == '\\' || in[e + 1] == ']';
                        e += 2;
                    } else {
                        ++e;
                    }
                }
                if (e >= in.size()) return bad("a PARAM-VALUE has no closing quote");
                std::string_view value = in.substr(v, e - v);
                if (escaped) {
                    // Only \" \\ and \] are escapes (RFC 5424 §6.3.3); other backslashes stay.
                    char* p = out.arena.allocate(value.size());
                    std::size_t n = 0;
                    for (std::size_t i = 0; i < value.size(); ++i) {
                        if (value[i] == '\\' && i + 1 < value.size() &&
                            (value[i + 1] == '"' || value[i + 1] == '\\' || value[i + 1] == ']'))
                            ++i;
                        p[n++] = value[i];
                    }
                    value = {p, n};
                }
                key_name_.assign("sd.").append(id).append(".").append(name);
                key_id k;
                if (!intern(key_name_, k, err)) return false;
                out.set(k, field_value::string(value));
                pos = e + 1;
            }
            if (pos >= in.size() || in[pos] != ']') return bad("an SD-ELEMENT must end with ']'");
            ++pos;
        }
        return true;
    }

    /// "Oct 11 22:14:15" (day space-padded or not) at `pos`; its length or 0.
    static std::size_t bsd_timestamp(std::string_view in, std::size_t pos, int& month, int& day, int& h, int& m, int& s) {
        auto t = in.substr(pos);
        if (t.size() < 15) return 0;
        month = -1;
        for (std::size_t i = 0; i < month_names.size(); ++i)
            if (t.substr(0, 3) == month_names[i]) month = static_cast<int>(i) + 1;
        if (month < 0 || t[3] != ' ') return 0;
        std::size_t d = 4;
        if (t[d] == ' ') ++d;  // "Oct  1"
        if (!is_digit(t[d])) return 0;
        day = t[d] - '0';
        if (is_digit(t[d + 1])) day = day * 10 + (t[++d] - '0');
        ++d;
        if (day < 1 || day > 31 || d + 9 > t.size() || t[d] != ' ') return 0;
        auto c = t.substr(d + 1, 8);
        if (!is_digit(c[0]) || !is_digit(c[1]) || c[2] != ':' || !is_digit(c[3]) || !is_digit(c[4]) || c[5] != ':' ||
            !is_digit(c[6]) || !is_digit(c[7]))
            return 0;
        h = (c[0] - '0') * 10 + (c[1] - '0');
        m = (c[3] - '0') * 10 + (c[4] - '0');
        s = (c[6] - '0') * 10 + (c[7] - '0');
        if (h > 23 || m > 59 || s > 60) return 0;
        return d + 9;
    }

    static bool hostname_char(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '.' || c == '-' || c == '_' ||
               c == ':';
    }

    bool parse_3164(std::string_view in, std::size_t pos, const line_context& line, parsed_fields& out) {
        std::int64_t now_us = line.received_us();
        if (now_us == 0) now_us = unix_now_us();
        auto now = static_cast<std::time_t>(now_us / 1'000'000);
        int offset = zone_.offset_at(now);
        std::string& ts = ts_;
        ts.clear();
        bool have_ts = false;
        int month, day, h, m, s;
        std::size_t zone_len = 0;
        if (auto n = bsd_timestamp(in, pos, month, day, h, m, s)) {
            // The year is the receive time's, in the configured zone; a December line
            // received in January is from last year (and a January one received in
            // December, from a clock running ahead, next year's).
            std::time_t local = now + offset * 60;
            std::tm tm{};
            gmtime_r(&local, &tm);
            int year = tm.tm_year + 1900, recv_month = tm.tm_mon + 1;
            if (month - recv_month > 6) --year;
            if (recv_month - month > 6) ++year;
            pos += n;
            // The "year after the time" variant: "Oct 11 22:14:15 2026 host ...".
            if (pos + 5 <= in.size() && in[pos] == ' ' && is_digit(in[pos + 1]) && is_digit(in[pos + 2]) &&
                is_digit(in[pos + 3]) && is_digit(in[pos + 4]) && (pos + 5 == in.size() || in[pos + 5] == ' ')) {
                year = std::stoi(std::string(in.substr(pos + 1, 4)));
                pos += 5;
            }
            char buf[8];
            auto r = std::to_chars(buf, buf + sizeof buf, year);
            ts.append(buf, r.ptr);
            ts.push_back('-');
            append_2(ts, month);
            ts.push_back('-');
            append_2(ts, day);
            ts.push_back('T');
            append_2(ts, h);
            ts.push_back(':');
            append_2(ts, m);
            ts.push_back(':');
            append_2(ts, s);
            append_offset(ts, offset);
            have_ts = true;
        } else if (auto iso = rfc3339_length(in.substr(pos), zone_len)) {
            // An ISO timestamp in place of the BSD one (rsyslog's and syslog-ng's option).
            ts.append(in.substr(pos, iso));
            if (ts[10] == 't') ts[10] = 'T';
            if (zone_len == 0) append_offset(ts, offset);
            pos += iso;
            have_ts = true;
        }
        if (have_ts) {
            if (pos < in.size() && in[pos] == ' ') ++pos;
            out.add(timestamp_, field_value::string(out.arena.copy(ts)));
        } else {
            // No timestamp: the receive time stands in (as rsyslog and syslog-ng do).
            format_time(now_us, offset, ts);
            out.add(timestamp_, field_value::string(out.arena.copy(ts)));
        }
        // HOSTNAME, when a timestamp precedes it and the word is no TAG ("su:", "cron[12]:").
        if (have_ts) {
            std::size_t sp = in.find(' ', pos);
            if (sp != std::string_view::npos && sp > pos) {
                auto word = in.substr(pos, sp - pos);
                bool host = word.size() <= 255 && word.back() != ':';
                for (char c : word) host = host && hostname_char(c);
                if (host) {
                    out.add(host_, field_value::string(word));
                    pos = sp + 1;
                }
            }
        }
        // TAG: up to 48 characters ending in ':' or "[pid]:".
        std::size_t t = pos;
        while (t < in.size() && t - pos <= 48 && in[t] != ':' && in[t] != '[' && in[t] != ' ') ++t;
        if (t > pos && t < in.size() && t - pos <= 48) {
            auto app = in.substr(pos, t - pos);
            std::string_view procid;
            std::size_t after = t;
            if (in[t] == '[') {
                std::size_t close = in.find(']', t);
                if (close != std::string_view::npos && close > t + 1 && close - t <= 129) {
                    procid = in.substr(t + 1, close - t - 1);
                    after = close + 1;
                } else {
                    after = std::string_view::npos;
                }
            }
            // "app:" or "app[pid]:"; "app[pid] " too (rsyslog's forward format writes it).
            bool colon = after != std::string_view::npos && after < in.size() && in[after] == ':';
            bool pid_space = !procid.empty() && after < in.size() && in[after] == ' ';
            if (colon || pid_space) {
                out.add(app_, field_value::string(app));
                if (!procid.empty()) out.add(procid_, field_value::string(procid));
                pos = colon ? after + 1 : after;
                if (pos < in.size() && in[pos] == ' ') ++pos;
            }
        }
        auto msg = trim_newlines(in.substr(std::min(pos, in.size())));
        if (!msg.empty()) out.add(message_, field_value::string(msg));
        return true;
    }

    /// A frame's trailing newline is no part of the message (rsyslog and syslog-ng put
    /// one inside octet-counted frames).
    static std::string_view trim_newlines(std::string_view s) {
        while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
        return s;
    }

    static std::int64_t unix_now_us() {
        timespec t{};
        clock_gettime(CLOCK_REALTIME, &t);
        return static_cast<std::int64_t>(t.tv_sec) * 1'000'000 + t.tv_nsec / 1000;
    }

    /// RFC 3339 of a Unix time in microseconds at `offset` minutes, milliseconds kept.
    static void format_time(std::int64_t us, int offset, std::string& out) {
        std::time_t local = static_cast<std::time_t>(us / 1'000'000) + offset * 60;
        std::tm tm{};
        gmtime_r(&local, &tm);
        char buf[96];
        std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                      tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(us / 1000 % 1000));
        out.assign(buf);
        append_offset(out, offset);
    }

    zone zone_;
    key_id facility_, severity_, timestamp_, host_, app_, procid_, msgid_, message_;
    std::string key_name_;
    std::string ts_;
};

}  // namespace

processor_descriptor parse_syslog_descriptor() {
    auto params = detail::parser_params();
    params.push_back({.name = "timezone",
                      .type = param_type::string,
                      .default_value = "UTC",
                      .doc = "Zone of RFC 3164 timestamps, which carry none: UTC, local (the server's) or an offset "
                             "such as +02:00. The year comes from the receive time."});
    return {{"parse_syslog",
             "Parses RFC 5424 and RFC 3164 syslog (detected per line) into facility, severity, timestamp, host, app, "
             "procid, msgid, message and sd.<id>.<param> fields.",
             std::move(params)},
            [](const boost::json::object& p, build_context& ctx) -> std::unique_ptr<processor> {
                auto tz = boost::json::value_to<std::string>(p.at("timezone"));
                zone z;
                if (tz == "UTC" || tz == "utc" || tz == "Z") {
                    z.k = zone::kind::utc;
                } else if (tz == "local") {
                    z.k = zone::kind::local;
                    tzset();
                } else if (parse_offset(tz, z.offset_minutes)) {
                    z.k = zone::kind::fixed;
                } else {
                    ctx.found.add(path_join(ctx.path, "timezone"), "must be UTC, local or an offset such as +02:00, not " + tz);
                    return nullptr;
                }
                return std::make_unique<parse_syslog>(p, z);
            }};
}

}  // namespace sightline
