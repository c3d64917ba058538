#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

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
/// (JSON members, logfmt keys): a hash lookup without the table's lock.
class key_cache {
public:
    std::optional<key_id> intern(std::string_view name);

private:
    struct hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    };
    std::unordered_map<std::string, key_id, hash, std::equal_to<>> ids_;
};

}  // namespace sightline
