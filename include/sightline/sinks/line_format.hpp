#pragma once
#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <vector>

#include "sightline/core/event_template.hpp"
#include "sightline/core/line_batch.hpp"
#include "sightline/core/param_schema.hpp"
#include "sightline/core/problems.hpp"
#include "sightline/core/tag_table.hpp"

namespace sightline {

/// How a sink writes a line (its `format`): `raw` (the line's text, the default),
/// `json` (one object: every field, `message` holding the text unless a field has that
/// name, plus the `include`d line facts) or `template`. Asio-free and shared by every
/// sink type.
class line_format {
public:
    enum class kind { raw, json, text_template };

    /// The parameters every sink takes (format, template, include).
    static std::vector<param_spec> params();
    /// Checks what the schema cannot (a template format needs its template).
    static void check(const boost::json::object& params, const std::string& path, problems& found);
    /// From a sink's effective params; `tags` names tags (may be null: tags print empty).
    static line_format from_params(const boost::json::object& params, const tag_table* tags);

    line_format() = default;
    bool is_raw() const { return kind_ == kind::raw; }
    /// Line `i` of `in` as this format writes it, appended to `out` (no newline).
    void format_line(const line_batch& in, std::size_t i, std::string& out) const;

private:
    kind kind_ = kind::raw;
    std::optional<event_template> template_;
    bool include_source_ = false, include_tag_ = false, include_line_id_ = false, include_received_at_ = false;
    const tag_table* tags_ = nullptr;
    key_id message_ = 0;
    /// The keys of the include names (a field of that name wins over the fact).
    struct {
        key_id source = 0, tag = 0, line_id = 0, received_at = 0;
    } include_keys_;
    mutable std::int64_t received_at_us_ = 0;
    mutable std::string received_at_text_;
    /// `"name":` of each field name met, quoted once (a sink formats on its strand only).
    mutable std::vector<std::string> quoted_keys_;
    const std::string& quoted_key(key_id k) const;
};

/// Renders a sink template for line `i` of `in` into `out`: a field by its name, plus
/// {line}, {message} (the text unless a field has that name), {tag}, {source},
/// {line_id} and {received_at}; a missing field renders empty. `tags` may be null.
void render_template(const event_template& t, const line_batch& in, std::size_t i, const tag_table* tags, std::string& out);

}  // namespace sightline
