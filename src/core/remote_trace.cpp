#include "sightline/core/remote_trace.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <mutex>
#include <set>

namespace sightline {

namespace json = boost::json;

std::string_view remote_name(std::string_view name) {
    static std::mutex mutex;
    static std::set<std::string, std::less<>> names;  // nodes never move: views stay valid
    constexpr std::size_t max_names = 4096;
    std::lock_guard lock(mutex);
    if (auto it = names.find(name); it != names.end()) return *it;
    if (names.size() >= max_names) return "remote";
    return *names.emplace(name).first;
}

std::string encode_remote_traces(const std::vector<std::pair<std::uint32_t, const trace_record*>>& traces,
                                 std::string_view origin) {
    json::array all;
    for (const auto& [index, t] : traces) {
        json::array path;
        for (const auto& step : t->path) {
            std::string stage = std::string(origin) + "/" + std::string(step.processor);
            path.push_back(json::array{json::string(stage), json::string(step.status), step.unix_us,
                                       static_cast<double>(step.duration_us), json::string(step.tag),
                                       json::string(t->detail_of(step))});
        }
        all.push_back(json::object{{"i", index},
                                   {"id", t->line_id},
                                   {"src", std::string(origin) + "/" + std::string(t->source)},
                                   {"o", json::string(t->original_content())},
                                   {"c", t->original_cut},
                                   {"p", std::move(path)}});
    }
    return json::serialize(all);
}

std::vector<remote_trace> decode_remote_traces(std::string_view header) {
    std::vector<remote_trace> out;
    boost::system::error_code ec;
    auto v = json::parse(header, ec);
    if (ec || !v.is_array()) return out;
    for (const auto& e : v.get_array()) {
        const auto* o = e.if_object();
        if (!o) continue;
        const auto* i = o->if_contains("i");
        const auto* id = o->if_contains("id");
        const auto* p = o->if_contains("p");
        if (!i || !i->is_int64() || i->as_int64() < 0 || !id || !(id->is_int64() || id->is_uint64()) || !p ||
            !p->is_array())
            continue;
        auto record = make_trace_record();
        record->line_id = id->to_number<std::uint64_t>();
        if (const auto* src = o->if_contains("src"); src && src->is_string()) record->source = remote_name(src->get_string());
        if (const auto* text = o->if_contains("o"); text && text->is_string()) record->set_original(text->get_string());
        if (const auto* cut = o->if_contains("c"); cut && cut->is_bool() && cut->as_bool()) record->original_cut = true;
        for (const auto& s : p->get_array()) {
            const auto* a = s.if_array();
            if (!a || a->size() != 6 || !(*a)[0].is_string() || !(*a)[1].is_string() || !(*a)[2].is_int64() ||
                !(*a)[3].is_number() || !(*a)[4].is_string() || !(*a)[5].is_string())
                continue;
            record->add_at((*a)[2].as_int64(), remote_name((*a)[0].get_string()), remote_name((*a)[1].get_string()),
                           (*a)[3].to_number<double>(), remote_name((*a)[4].get_string()),
                           std::string((*a)[5].get_string()));
        }
        out.push_back({static_cast<std::uint32_t>(i->as_int64()), std::move(record)});
    }
    return out;
}

}  // namespace sightline
