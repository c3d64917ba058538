#include "sightline/core/net.hpp"

#include <boost/asio/error.hpp>

namespace sightline {

bool is_benign(const error_code& ec) {
    return ec == net::error::eof || ec == net::error::operation_aborted || ec == net::error::connection_reset ||
           ec == net::error::broken_pipe || ec == net::experimental::error::channel_closed ||
           ec == net::experimental::error::channel_cancelled;
}

}  // namespace sightline
