#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sightline {

/// Interned name of an event field; 0 means "no key".
using key_id = std::uint16_t;

/// The process-wide table of field names. A line carries a 2-byte key per field, so a
/// name is stored once however many lines use it. Names are never removed: the table
/// is bounded (capacity) and a parser that meets more distinct names than that fails
/// the line (reason `too_many_keys`) instead of growing memory for a hostile sender.
/// intern() takes a lock; name() is lock-free, so any thread may print a field.
class field_keys {
public:
    static constexpr std::size_t capacity = 65535;
    /// Id of `name`, registering it if new; nullopt when the table is full or `name` is empty.
    static std::optional<key_id> intern(std::string_view name);
    /// Id of `name`, or 0 when it was never registered.
    static key_id find(std::string_view name);
    /// Name of `id` ("" for 0 or an unknown id).
    static std::string_view name(key_id id);
    /// Names registered so far.
    static std::size_t size();
};

/// A processor's private memo of field_keys::intern, for names seen line after line
/// (JSON members, logfmt keys): a direct-mapped table with a cheap hash, no lock; a
/// collision only costs a trip to the shared table.
class key_cache {
public:
    std::optional<key_id> intern(std::string_view name) {
        auto& e = slots_[slot(name)];
        if (e.id && e.name == name) return e.id;
        auto id = field_keys::intern(name);
        if (id && name.size() <= 64) {
            e.name.assign(name);
            e.id = *id;
        }
        return id;
    }

private:
    static std::size_t slot(std::string_view s) {
        std::uint64_t h = s.size() * 0x9E3779B97F4A7C15ull;
        for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001B3ull;
        return static_cast<std::size_t>(h >> 55);  // 512 slots
    }
    struct entry {
        std::string name;
        key_id id = 0;
    };
    std::vector<entry> slots_ = std::vector<entry>(512);
};

}  // namespace sightline
