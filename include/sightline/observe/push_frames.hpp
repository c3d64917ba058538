#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "sightline/observe/error_log.hpp"
#include "sightline/observe/trace_store.hpp"

namespace sightline {

// WebSocket messages built from more than one place (the observer's shared pushes and a
// subscribed client's own), written once here.

/// {"type":"trace","seq","traces":[...]} with the traces `filter` matches (all when it
/// is null); empty when none does.
std::string trace_frame(std::uint64_t seq, const std::vector<trace_ptr>& traces, const trace_filter* filter = nullptr);
/// {"type":"error","seq","errors":[...]}.
std::string error_frame(std::uint64_t seq, const std::vector<error_record>& errors);

}  // namespace sightline
