#include "sightline/sinks/buffer_record.hpp"

#include <zlib.h>

#include <cstring>
#include <vector>

#include "sightline/core/remote_trace.hpp"

namespace sightline {

namespace {

constexpr char magic[4] = {'S', 'L', 'B', '1'};

template <class T>
void put(std::string& out, T v) {
    char b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));  // little-endian hosts only (x86-64, arm64)
    out.append(b, sizeof(T));
}

void put_text(std::string& out, std::string_view s) {
    put<std::uint32_t>(out, static_cast<std::uint32_t>(s.size()));
    out.append(s);
}

/// Reads fields from a payload, failing (ok = false) instead of reading past its end.
struct reader {
    std::string_view in;
    bool ok = true;

    template <class T>
    T get() {
        T v{};
        if (in.size() < sizeof(T)) {
            ok = false;
            return v;
        }
        std::memcpy(&v, in.data(), sizeof(T));
        in.remove_prefix(sizeof(T));
        return v;
    }
    std::string_view text() {
        auto n = get<std::uint32_t>();
        if (!ok || in.size() < n) {
            ok = false;
            return {};
        }
        auto s = in.substr(0, n);
        in.remove_prefix(n);
        return s;
    }
};

std::uint32_t crc_of(std::string_view s) {
    return static_cast<std::uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(s.data()), static_cast<uInt>(s.size())));
}

}  // namespace

void buffer_record::encode(const line_batch& batch, const tag_table* tags, std::string& out) {
    auto start = out.size();
    out.append(magic, 4);
    put<std::uint32_t>(out, 0);  // length and checksum, filled in below
    put<std::uint32_t>(out, 0);
    auto payload_start = out.size();
    put<std::uint32_t>(out, static_cast<std::uint32_t>(batch.size()));
    put<std::int64_t>(out, batch.received_us);
    put_text(out, batch.source);
    for (std::size_t i = 0; i < batch.size(); ++i) {
        const auto& l = batch.lines[i];
        put<std::uint64_t>(out, l.line_id);
        put_text(out, l.tag && tags ? tags->name(l.tag) : std::string_view());
        put_text(out, batch.text(i));
        auto fields = batch.fields_of(i);
        put<std::uint16_t>(out, static_cast<std::uint16_t>(fields.size()));
        for (const auto& f : fields) {
            put_text(out, field_keys::name(f.key));
            out.push_back(static_cast<char>(f.kind));
            auto v = batch.value_of(f);
            switch (f.kind) {
            case value_kind::string:
            case value_kind::json: put_text(out, v.text); break;
            case value_kind::integer: put<std::int64_t>(out, v.integer); break;
            case value_kind::floating: put<double>(out, v.floating); break;
            case value_kind::boolean: out.push_back(v.boolean ? 1 : 0); break;
            case value_kind::null: break;
            }
        }
    }
    auto payload = std::string_view(out).substr(payload_start);
    auto length = static_cast<std::uint32_t>(payload.size());
    auto crc = crc_of(payload);
    std::memcpy(out.data() + start + 4, &length, 4);
    std::memcpy(out.data() + start + 8, &crc, 4);
}

buffer_record::header_state buffer_record::read_header(std::string_view available, std::uint32_t& payload_bytes,
                                                       std::uint32_t& crc) {
    if (available.size() < header_bytes) {
        // A header cut short is a torn tail, unless what is there is no header at all.
        return std::memcmp(available.data(), magic, std::min<std::size_t>(4, available.size())) == 0
                   ? header_state::incomplete
                   : header_state::bad;
    }
    if (std::memcmp(available.data(), magic, 4) != 0) return header_state::bad;
    std::memcpy(&payload_bytes, available.data() + 4, 4);
    std::memcpy(&crc, available.data() + 8, 4);
    if (payload_bytes > max_payload) return header_state::bad;
    return header_state::whole;
}

bool buffer_record::check(std::string_view payload, std::uint32_t crc) { return crc_of(payload) == crc; }

std::uint32_t buffer_record::line_count(std::string_view payload) {
    reader r{payload};
    return r.get<std::uint32_t>();
}

bool buffer_record::decode(std::string_view payload, const tag_table* tags, line_batch& out) {
    out = line_batch{};
    reader r{payload};
    auto count = r.get<std::uint32_t>();
    out.received_us = r.get<std::int64_t>();
    auto source = r.text();
    if (!r.ok) return false;
    out.source = remote_name(source);
    out.lines.reserve(count);
    std::vector<field_view> fields;
    for (std::uint32_t k = 0; k < count && r.ok; ++k) {
        auto line_id = r.get<std::uint64_t>();
        auto tag = r.text();
        auto text = r.text();
        auto nfields = r.get<std::uint16_t>();
        if (!r.ok || nfields > max_fields_per_line) return false;
        fields.clear();
        for (std::uint16_t f = 0; f < nfields && r.ok; ++f) {
            auto name = r.text();
            auto kind = static_cast<value_kind>(r.get<std::uint8_t>());
            field_value v;
            switch (kind) {
            case value_kind::string: v = field_value::string(r.text()); break;
            case value_kind::json: v = field_value::json(r.text()); break;
            case value_kind::integer: v = field_value::of_integer(r.get<std::int64_t>()); break;
            case value_kind::floating: v = field_value::of_float(r.get<double>()); break;
            case value_kind::boolean: v = field_value::of_bool(r.get<std::uint8_t>() != 0); break;
            case value_kind::null: break;
            default: return false;
            }
            auto key = field_keys::intern(name);
            if (!key) return false;  // the process ran out of keys: the record cannot be rebuilt
            fields.push_back({*key, v});
        }
        if (!r.ok) return false;
        tag_id t = tag.empty() || !tags ? 0 : tags->find(tag);
        out.append_event(text, t, line_id, fields);
    }
    return r.ok && r.in.empty();
}

}  // namespace sightline
