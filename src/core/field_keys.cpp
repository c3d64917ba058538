#include "sightline/core/field_keys.hpp"

#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <mutex>

namespace sightline {

namespace {
struct key_table {
    std::mutex mutex;
    std::map<std::string, key_id, std::less<>> ids;
    std::deque<std::string> names;  // stable addresses: name() hands out views
    std::unique_ptr<std::atomic<const std::string*>[]> by_id =
        std::make_unique<std::atomic<const std::string*>[]>(field_keys::capacity + 1);
};
key_table& table() {
    static key_table t;
    return t;
}
}  // namespace

std::optional<key_id> field_keys::intern(std::string_view name) {
    if (name.empty()) return std::nullopt;
    auto& t = table();
    std::lock_guard lock(t.mutex);
    if (auto it = t.ids.find(name); it != t.ids.end()) return it->second;
    if (t.names.size() >= capacity) return std::nullopt;
    auto id = static_cast<key_id>(t.names.size() + 1);
    t.names.emplace_back(name);
    t.ids.emplace(t.names.back(), id);
    t.by_id[id].store(&t.names.back(), std::memory_order_release);
    return id;
}

key_id field_keys::find(std::string_view name) {
    auto& t = table();
    std::lock_guard lock(t.mutex);
    auto it = t.ids.find(name);
    return it == t.ids.end() ? 0 : it->second;
}

std::string_view field_keys::name(key_id id) {
    if (id == 0) return {};
    const std::string* s = table().by_id[id].load(std::memory_order_acquire);
    return s ? std::string_view(*s) : std::string_view();
}

std::size_t field_keys::size() {
    auto& t = table();
    std::lock_guard lock(t.mutex);
    return t.names.size();
}


}  // namespace sightline
