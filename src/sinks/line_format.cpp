#include "sightline/sinks/line_format.hpp"

#include <boost/json/value_to.hpp>
#include <charconv>
#include <chrono>

#include "sightline/core/json_text.hpp"
#include "sightline/core/time_format.hpp"

namespace sightline {

std::vector<param_spec> line_format::params() {
    return {{.name = "format",
             .type = param_type::string,
             .default_value = "raw",
             .doc = "raw: the line as it is; json: one object per line with every field (message: the line's "
                    "text unless a field has that name); template: the template parameter.",
             .choices = {"raw", "json", "template"}},
            {.name = "template",
             .type = param_type::string,
             .doc = "For format template: text with {field} placeholders, plus {message}, {line}, {tag}, {source}, "
                    "{line_id} and {received_at}; a missing field renders empty."},
            {.name = "include",
             .type = param_type::string_list,
             .default_value = boost::json::array(),
             .doc = "For format json: line facts to add: source, tag, line_id, received_at (a field of the same "
                    "name wins)."}};
}

void line_format::check(const boost::json::object& params, const std::string& path, problems& found) {
    auto format = boost::json::value_to<std::string>(params.at("format"));
    if (format == "template" && !params.contains("template"))
        found.add(path_join(path, "template"), "format template needs a template");
    if (format != "template" && params.contains("template"))
        found.add(path_join(path, "template"), "is used only with format template");
    if (const auto* inc = params.if_contains("include"); inc && inc->is_array())
        for (std::size_t i = 0; i < inc->as_array().size(); ++i) {
            const auto& v = inc->as_array()[i];
            if (!v.is_string()) continue;
            auto s = v.as_string();
            if (s != "source" && s != "tag" && s != "line_id" && s != "received_at")
                found.add(path_index(path_join(path, "include"), i),
                          "must be source, tag, line_id or received_at, not " + std::string(s));
        }
}

line_format line_format::from_params(const boost::json::object& params, const tag_table* tags) {
    line_format f;
    f.tags_ = tags;
    f.message_ = *field_keys::intern("message");
    // Names resolved once: field_keys::find takes the table's lock, too dear per line.
    f.include_keys_ = {*field_keys::intern("source"), *field_keys::intern("tag"), *field_keys::intern("line_id"),
                       *field_keys::intern("received_at")};
    const auto* format = params.if_contains("format");
    auto name = format && format->is_string() ? std::string(format->as_string()) : std::string("raw");
    if (name == "json") f.kind_ = kind::json;
    if (name == "template") {
        f.kind_ = kind::text_template;
        f.template_.emplace(boost::json::value_to<std::string>(params.at("template")));
    }
    if (const auto* inc = params.if_contains("include"); inc && inc->is_array())
        for (const auto& v : inc->as_array()) {
            if (!v.is_string()) continue;
            auto s = v.as_string();
            f.include_source_ |= s == "source";
            f.include_tag_ |= s == "tag";
            f.include_line_id_ |= s == "line_id";
            f.include_received_at_ |= s == "received_at";
        }
    return f;
}

namespace {
void append_number(std::string& out, std::uint64_t v) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
}
std::string received_at(std::int64_t us) {
    return format_rfc3339(std::chrono::system_clock::time_point(std::chrono::microseconds(us)));
}
}  // namespace

const std::string& line_format::quoted_key(key_id k) const {
    if (k >= quoted_keys_.size()) quoted_keys_.resize(k + 1u);
    auto& q = quoted_keys_[k];
    if (q.empty()) {
        append_json_string(q, field_keys::name(k));
        q.push_back(':');
    }
    return q;
}

void line_format::format_line(const line_batch& in, std::size_t i, std::string& out) const {
    const auto text = in.text(i);
    const auto tag = in.lines[i].tag;
    switch (kind_) {
    case kind::raw: out.append(text); return;
    case kind::json: {
        out.push_back('{');
        bool first = true;
        auto member = [&](std::string_view name) {
            if (!first) out.push_back(',');
            first = false;
            append_json_string(out, name);
            out.push_back(':');
        };
        auto fields = in.fields_of(i);
        auto has = [&](key_id k) {
            for (const auto& f : fields)
                if (f.key == k) return true;
            return false;
        };
        bool message_field = false;
        for (const auto& f : fields) {
            if (!first) out.push_back(',');
            first = false;
            out.append(quoted_key(f.key));
            append_json_value(out, in.value_of(f));
            message_field |= f.key == message_;
        }
        if (!message_field) {
            member("message");
            append_json_string(out, text);
        }
        if (include_source_ && !has(include_keys_.source)) {
            member("source");
            append_json_string(out, in.source);
        }
        if (include_tag_ && !has(include_keys_.tag)) {
            member("tag");
            if (tag && tags_)
                append_json_string(out, tags_->name(tag));
            else
                out.append("null");
        }
        if (include_line_id_ && !has(include_keys_.line_id)) {
            member("line_id");
            append_number(out, in.lines[i].line_id);
        }
        if (include_received_at_ && !has(include_keys_.received_at)) {
            member("received_at");
            // One batch's lines share their receive time: formatted once per batch.
            if (received_at_us_ != in.received_us || received_at_text_.empty()) {
                received_at_us_ = in.received_us;
                received_at_text_ = received_at(in.received_us);
            }
            append_json_string(out, received_at_text_);
        }
        out.push_back('}');
        return;
    }
    case kind::text_template:
        render_template(*template_, in, i, tags_, out);
        return;
    }
}

void render_template(const event_template& t, const line_batch& in, std::size_t i, const tag_table* tags, std::string& out) {
    auto text = in.text(i);
    auto tag = in.lines[i].tag;
    t.render(out, [&](const event_template::piece& p, std::string& o) {
        field_value v;
        if (p.name == "line") {
            o.append(text);
        } else if (p.key && in.find_field(i, p.key, v)) {
            v.append_text(o);
        } else if (p.name == "message") {
            o.append(text);
        } else if (p.name == "tag") {
            if (tag && tags) o.append(tags->name(tag));
        } else if (p.name == "source") {
            o.append(in.source);
        } else if (p.name == "line_id") {
            append_number(o, in.lines[i].line_id);
        } else if (p.name == "received_at") {
            o.append(received_at(in.received_us));
        }
    });
}

}  // namespace sightline
