#include "sightline/core/tag_table.hpp"

#include <stdexcept>

namespace sightline {

tag_table::tag_table() { names_.emplace_back(); }

tag_id tag_table::intern(std::string_view name) {
    std::lock_guard lock(mutex_);
    if (auto it = ids_.find(name); it != ids_.end()) return it->second;
    if (names_.size() > UINT16_MAX) throw std::length_error("more than 65535 distinct tags");
    auto id = static_cast<tag_id>(names_.size());
    names_.emplace_back(name);
    ids_.emplace(std::string(name), id);
    return id;
}

tag_id tag_table::find(std::string_view name) const {
    std::lock_guard lock(mutex_);
    auto it = ids_.find(name);
    return it == ids_.end() ? 0 : it->second;
}

std::string_view tag_table::name(tag_id id) const {
    std::lock_guard lock(mutex_);
    return id < names_.size() ? std::string_view(names_[id]) : std::string_view();
}

}  // namespace sightline
