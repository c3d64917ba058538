#pragma once
#include <exception>
#include <string>

#include "sightline/core/log.hpp"

namespace sightline {

/// Completion handler for `co_spawn` (DESIGN.md §4): an exception that ends a
/// coroutine is logged as `coroutine_failed` under `component`, naming `name` (a
/// source, stage or sink id, or what the coroutine does); a clean end logs nothing.
inline auto log_exit(std::string component, std::string name) {
    return [component = std::move(component), name = std::move(name)](std::exception_ptr e) {
        if (!e) return;
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& ex) {
            log::write(log::level::error, component, "coroutine_failed", {{"name", name}, {"error", ex.what()}});
        } catch (...) {
            log::write(log::level::error, component, "coroutine_failed", {{"name", name}, {"error", "unknown exception"}});
        }
    };
}

}  // namespace sightline
