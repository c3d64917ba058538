#include "sightline/alerts/http_post.hpp"

namespace sightline {

net::awaitable<http_post_result> http_post(const http_url& url, std::string body, std::chrono::milliseconds timeout) {
    auto ex = co_await net::this_coro::executor;
    http_post_result result;
    auto fail = [&](std::string_view step, const error_code& ec) {
        result.error = std::string(step) + ": " + (ec == beast::error::timeout ? std::string("timed out") : ec.message());
        return result;
    };
    auto deadline = std::chrono::steady_clock::now() + timeout;
    // The resolver has no deadline of its own: race it against a timer.
    // Shared with the timer's handler, which may run after this coroutine moved on.
    auto resolver = std::make_shared<tcp::resolver>(ex);
    net::steady_timer resolve_timer(ex, deadline);
    resolve_timer.async_wait([resolver](const error_code& ec) {
        if (!ec) resolver->cancel();
    });
    auto [rec, endpoints] = co_await resolver->async_resolve(url.host, url.port, use_aw_ec);
    resolve_timer.cancel();
    if (rec) co_return fail("resolve " + url.host, rec == net::error::operation_aborted ? beast::error::timeout : rec);

    beast::tcp_stream stream(ex);
    stream.expires_at(deadline);
    auto [cec, ep] = co_await stream.async_connect(endpoints, use_aw_ec);
    if (cec) co_return fail("connect", cec);

    http::request<http::string_body> req{http::verb::post, url.target, 11};
    req.set(http::field::host, url.host + ":" + url.port);
    req.set(http::field::user_agent, "sightline");
    req.set(http::field::content_type, "application/json");
    req.body() = std::move(body);
    req.prepare_payload();
    auto [wec, written] = co_await http::async_write(stream, req, use_aw_ec);
    if (wec) co_return fail("send", wec);

    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024);  // answers are small; a huge one is not worth reading
    auto [ree, read] = co_await http::async_read(stream, buffer, parser, use_aw_ec);
    if (ree) co_return fail("read answer", ree);
    result.status = parser.get().result_int();
    result.ok = result.status >= 200 && result.status < 300;
    if (!result.ok) result.error = "HTTP " + std::to_string(result.status) + ": " + parser.get().body().substr(0, 200);
    error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    co_return result;
}

}  // namespace sightline
