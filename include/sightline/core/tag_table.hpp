#pragma once
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "sightline/core/line_batch.hpp"

namespace sightline {

/// Interns tag names to small integers so lines carry a 2-byte tag. Tags are
/// registered while the pipeline is built; afterwards lookups are read-only.
class tag_table {
public:
    tag_table();
    /// Id of `name`, registering it if new.
    tag_id intern(std::string_view name);
    /// Id of `name` or 0 when it was never registered.
    tag_id find(std::string_view name) const;
    /// Name of `id` ("" for 0).
    std::string_view name(tag_id id) const;

private:
    mutable std::mutex mutex_;
    std::map<std::string, tag_id, std::less<>> ids_;
    std::vector<std::string> names_;
};

}  // namespace sightline
