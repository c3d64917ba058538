// The `http` sink type: POSTs batches of lines (NDJSON with format json) to a URL, such
// as ClickHouse's `INSERT INTO t FORMAT JSONEachRow`. Beast is the client, on the
// io_context, with keep-alive connections (one per message in flight).
//
// What an answer means (README "http sink"): 2xx delivered; 408, 429, 5xx, timeouts and
// connection errors retried with backoff; any other 4xx sends the batch's lines to the
// dead letter at once. A batch refused for its data (HTTP 413, or a ClickHouse error
// code that names bad input, which ClickHouse answers with 500 like an outage) is split
// in halves until the rows it refuses are alone: those go to the dead letter, their
// batch-mates are delivered.
#include <boost/json/value_to.hpp>
#include <charconv>

#include "sightline/core/client_connection.hpp"
#include "sightline/core/http_url.hpp"
#include "sightline/sinks/gzip.hpp"
#include "sightline/sinks/network_sink.hpp"
#include "sightline/sinks/sink_descriptor.hpp"

namespace sightline {

namespace {

network_sink_options http_defaults() {
    network_sink_options o;
    o.max_in_flight = 2;
    o.batch_max_lines = 10'000;
    o.batch_max_bytes = 1024 * 1024;
    o.batch_timeout = std::chrono::milliseconds(1000);
    o.retry.attempts = 10;
    return o;
}

/// ClickHouse error codes that name bad input rather than a server fault: the batch is
/// split to find the row (ErrorCodes.cpp: CANNOT_PARSE_TEXT, CANNOT_PARSE_QUOTED_STRING,
/// CANNOT_PARSE_INPUT_ASSERTION_FAILED, ATTEMPT_TO_READ_AFTER_EOF, CANNOT_PARSE_DATE,
/// CANNOT_PARSE_DATETIME, TYPE_MISMATCH, ARGUMENT_OUT_OF_BOUND, CANNOT_CONVERT_TYPE,
/// CANNOT_PARSE_NUMBER, INCORRECT_DATA, TOO_LARGE_STRING_SIZE).
bool is_clickhouse_data_error(int code) {
    switch (code) {
    case 6: case 26: case 27: case 32: case 38: case 41: case 53: case 69: case 70: case 72: case 117: case 131:
        return true;
    default:
        return false;
    }
}

/// The ClickHouse error code of an answer: its X-ClickHouse-Exception-Code header, or a
/// body that starts "Code: N" (older servers); 0 when neither.
int clickhouse_code(const http::response<http::string_body>& res) {
    std::string_view text;
    if (auto h = res.find("X-ClickHouse-Exception-Code"); h != res.end()) {
        text = std::string_view(h->value().data(), h->value().size());
    } else {
        std::string_view body = res.body();
        if (body.substr(0, 6) != "Code: ") return 0;
        text = body.substr(6);
    }
    int code = 0;
    std::from_chars(text.data(), text.data() + text.size(), code);
    return code;
}

/// "HTTP 500: <the start of the body>", on one line.
std::string describe(const http::response<http::string_body>& res) {
    std::string cut = res.body().substr(0, 300);
    for (auto& c : cut)
        if (c == '\n' || c == '\r') c = ' ';
    while (!cut.empty() && cut.back() == ' ') cut.pop_back();
    return "HTTP " + std::to_string(res.result_int()) + (cut.empty() ? "" : ": " + cut);
}

class http_sink final : public network_sink {
public:
    http_sink(net::io_context& ioc, const component_config& c)
        : network_sink(ioc, c.id, c.type, http_defaults().from_params(c.params)),
          gzip_(c.params.at("compression").as_string() == "gzip"),
          timeout_(c.params.at("timeout_ms").to_number<std::int64_t>()) {
        std::string why;
        url_ = *parse_http_url(boost::json::value_to<std::string>(c.params.at("url")), why);  // checked
        if (url_.https) tls_ = make_tls_client(tls_client_from_params(c.params).value_or(tls_client_settings{}), "sink " + id());
        auto format = boost::json::value_to<std::string>(c.params.at("format"));
        content_type_ = format == "json" ? "application/x-ndjson" : "text/plain; charset=utf-8";
        for (const auto& [name, value] : c.params.at("headers").as_object())
            headers_.emplace_back(std::string(name), boost::json::value_to<std::string>(value));
    }

private:
    struct answer {
        std::string transport_error;  // set when there is no answer
        http::response<http::string_body> response;
    };

    net::awaitable<delivery_result> deliver(outgoing_message& m) override {
        if (!m.started) {
            m.started = true;
            m.remaining = {{0, static_cast<std::uint32_t>(m.line_count())}};
        }
        while (!m.remaining.empty()) {
            auto [first, last] = m.remaining.back();
            auto a = co_await post(m.payload_of(first, last));
            if (!a.transport_error.empty()) {
                delivery.set_connected(false);
                co_return delivery_result::retry(std::move(a.transport_error));
            }
            delivery.set_connected(true);
            auto status = a.response.result_int();
            if (status >= 200 && status < 300) {
                m.remaining.pop_back();
                continue;
            }
            bool data_error = status == 413 || (status == 500 && is_clickhouse_data_error(clickhouse_code(a.response)));
            if (data_error && last - first > 1) {
                auto mid = first + (last - first) / 2;
                m.remaining.pop_back();
                m.remaining.emplace_back(mid, last);  // sent after the first half
                m.remaining.emplace_back(first, mid);
                continue;
            }
            if (!data_error && (status == 408 || status == 429 || status >= 500))
                co_return delivery_result::retry(describe(a.response));
            // Refused for good: these lines to the dead letter, the rest goes on.
            auto why = describe(a.response);
            for (auto i = first; i < last; ++i) m.refused.emplace_back(i, why);
            m.remaining.pop_back();
        }
        delivery_result done;
        done.refused = std::move(m.refused);
        co_return done;
    }

    /// One request with `body` on a kept-alive connection (or a new one). A kept
    /// connection the server closed meanwhile is replaced once without counting a failure.
    net::awaitable<answer> post(std::string_view body) {
        http::request<http::string_body> req{http::verb::post, url_.target, 11};
        req.set(http::field::host, url_.host + ":" + url_.port);
        req.set(http::field::user_agent, "sightline");
        req.set(http::field::content_type, content_type_);
        if (gzip_) {
            req.set(http::field::content_encoding, "gzip");
            req.body() = gzip_compress(body, 1);
        } else {
            req.body() = std::string(body);
        }
        for (const auto& [name, value] : headers_) req.set(name, value);
        req.keep_alive(true);
        req.prepare_payload();
        for (int round = 0;; ++round) {
            bool reused = !idle_.empty();
            std::unique_ptr<client_connection> conn;
            answer a;
            if (reused) {
                conn = std::move(idle_.back());
                idle_.pop_back();
            } else {
                conn = std::make_unique<client_connection>(strand_, tls_);
                auto op = conn->connect(url_.host, url_.port, timeout_);
                a.transport_error = co_await std::move(op);
                if (!a.transport_error.empty()) co_return a;
            }
            conn->tcp().expires_after(timeout_);
            auto write = conn->visit([&](auto& s) { return http::async_write(s, req, use_aw_ec); });
            auto [wec, written] = co_await std::move(write);
            error_code ec = wec;
            if (!ec) {
                beast::flat_buffer buffer;
                http::response_parser<http::string_body> parser;
                parser.body_limit(1024 * 1024);
                auto read = conn->visit([&](auto& s) { return http::async_read(s, buffer, parser, use_aw_ec); });
                auto [rec, read_bytes] = co_await std::move(read);
                ec = rec;
                if (!ec) {
                    a.response = parser.release();
                    if (a.response.keep_alive() && idle_.size() < options_.max_in_flight) {
                        conn->tcp().expires_never();
                        idle_.push_back(std::move(conn));
                    }
                    co_return a;
                }
            }
            if (reused && round == 0) continue;  // the server closed the idle connection
            a.transport_error = std::string(wec ? "send to " : "answer from ") + url_.text + ": " +
                                (ec == beast::error::timeout ? std::string("timed out") : ec.message());
            co_return a;
        }
    }

    void on_stop() override { idle_.clear(); }

    http_url url_;
    std::vector<std::pair<std::string, std::string>> headers_;
    bool gzip_;
    std::chrono::milliseconds timeout_;
    std::string content_type_;
    std::shared_ptr<const tls_client> tls_;  // with an https url
    std::vector<std::unique_ptr<client_connection>> idle_;  // kept-alive connections (strand only)
};

}  // namespace

sink_descriptor http_sink_descriptor() {
    sink_descriptor d;
    d.schema = {"http",
                "POSTs batches of lines to a URL (NDJSON with format json; ClickHouse's INSERT ... FORMAT "
                "JSONEachRow, any HTTP collector); 2xx delivered, 408/429/5xx retried, other 4xx to the dead "
                "letter; a batch refused for one bad row is split so only that row is dead-lettered.",
                {{.name = "url", .type = param_type::string, .doc = "http[s]://host[:port]/path?query to POST to.",
                  .required = true},
                 tls_client_param("with an https:// url"),
                 {.name = "headers", .type = param_type::string_map, .default_value = boost::json::object{},
                  .doc = "Extra request headers (they override the defaults, Content-Type included)."},
                 {.name = "compression", .type = param_type::string, .default_value = "none",
                  .doc = "none, or gzip (Content-Encoding: gzip, zlib level 1).", .choices = {"none", "gzip"}},
                 {.name = "timeout_ms", .type = param_type::integer, .default_value = 30'000,
                  .doc = "Longest wait for a connection, and for an answer to one request.", .min = 1,
                  .max = max_duration_ms}}};
    for (auto& p : http_defaults().params(true)) d.schema.params.push_back(std::move(p));
    d.check = [](const boost::json::object& params, const std::string& path, problems& found) {
        std::string why;
        auto url = parse_http_url(boost::json::value_to<std::string>(params.at("url")), why);
        if (!url) found.add(path_join(path, "url"), why);
        check_tls_client(params, path, found);
        if (url && !url->https && tls_client_from_params(params)) found.add(path_join(path, "tls"), "applies to https:// urls only");
        for (const auto& [name, value] : params.at("headers").as_object()) {
            auto bad = [](char c) { return c == '\r' || c == '\n'; };
            std::string_view n = name;
            const auto& v = value.as_string();
            if (n.empty() || std::any_of(n.begin(), n.end(), bad) || std::any_of(v.begin(), v.end(), bad))
                found.add(path_join(path_join(path, "headers"), n), "a header name and value are one line, name not empty");
        }
        delivery_retry::check(params, path, found);
    };
    d.create = [](net::io_context& ioc, const component_config& c) -> std::shared_ptr<sink> {
        return std::make_shared<http_sink>(ioc, c);
    };
    return d;
}

}  // namespace sightline
