#include "sightline/alerts/http_post.hpp"

#include "sightline/core/client_connection.hpp"

namespace sightline {

net::awaitable<http_post_result> http_post(const http_url& url, std::string body, std::chrono::milliseconds timeout,
                                           std::shared_ptr<const tls_client> tls) {
    auto ex = co_await net::this_coro::executor;
    http_post_result result;
    auto fail = [&](std::string_view step, const error_code& ec) {
        result.error = std::string(step) + ": " + (ec == beast::error::timeout ? std::string("timed out") : ec.message());
        return result;
    };
    auto deadline = std::chrono::steady_clock::now() + timeout;
    client_connection conn(ex, url.https ? std::move(tls) : nullptr);
    if (url.https && !conn.secure()) co_return http_post_result{.error = "https url without TLS settings"};
    auto op = conn.connect(url.host, url.port, timeout);
    result.error = co_await std::move(op);
    if (!result.error.empty()) co_return result;
    conn.tcp().expires_at(deadline);

    http::request<http::string_body> req{http::verb::post, url.target, 11};
    req.set(http::field::host, url.host + ":" + url.port);
    req.set(http::field::user_agent, "sightline");
    req.set(http::field::content_type, "application/json");
    req.body() = std::move(body);
    req.prepare_payload();
    auto write = conn.visit([&](auto& s) { return http::async_write(s, req, use_aw_ec); });
    auto [wec, written] = co_await std::move(write);
    if (wec) co_return fail("send", wec);

    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024);  // answers are small; a huge one is not worth reading
    auto read = conn.visit([&](auto& s) { return http::async_read(s, buffer, parser, use_aw_ec); });
    auto [ree, read_bytes] = co_await std::move(read);
    if (ree) co_return fail("read answer", ree);
    result.status = parser.get().result_int();
    result.ok = result.status >= 200 && result.status < 300;
    if (!result.ok) result.error = "HTTP " + std::to_string(result.status) + ": " + parser.get().body().substr(0, 200);
    // The answer is complete (its length was known): close without waiting for more,
    // so the whole POST stays within `timeout`.
    conn.tcp().close();
    co_return result;
}

}  // namespace sightline
