#pragma once
#include <string>
#include <string_view>
#include <variant>

#include "sightline/observe/trace_store.hpp"

namespace sightline {

/// {"type": "subscribe", "stage": "...", "status": "...", "outcome": "...", "text": "..."}:
/// from now on this client gets only the traces that match (all fields optional;
/// an empty subscribe clears the filter).
struct subscribe_request {
    trace_filter filter;
};

/// {"type": "ping"}: answered with {"type": "pong"}.
struct ping_request {};

/// A message that could not be understood, and why.
struct invalid_message {
    std::string error;
};

using client_message = std::variant<subscribe_request, ping_request, invalid_message>;

/// Parses what a WebSocket client sent. Never throws: anything unexpected (bad JSON,
/// unknown type, wrong field types, unknown fields, strings over 256 bytes) becomes an
/// invalid_message naming the problem.
client_message parse_client_message(std::string_view text);

}  // namespace sightline
