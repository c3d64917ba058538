#pragma once
#include <chrono>
#include <string>

#include "sightline/core/http_url.hpp"
#include "sightline/core/net.hpp"
#include "sightline/core/tls_client.hpp"

namespace sightline {

/// How one POST went: ok for a 2xx answer; otherwise `error` says why.
struct http_post_result {
    bool ok = false;
    unsigned status = 0;  // 0 when no answer came
    std::string error;
};

/// POSTs a JSON `body` to `url` on the calling coroutine's executor, over TLS with
/// `tls` (an https url; null for http). Resolving, connecting, the handshake, sending and reading the
/// answer all fit in `timeout`.
net::awaitable<http_post_result> http_post(const http_url& url, std::string body, std::chrono::milliseconds timeout,
                                           std::shared_ptr<const tls_client> tls);

}  // namespace sightline
