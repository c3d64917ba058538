#include "sightline/app/config_file.hpp"

#include <algorithm>
#include <boost/json/stream_parser.hpp>
#include <boost/json/value_to.hpp>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "sightline/app/component_registry.hpp"
#include "sightline/core/param_schema.hpp"

namespace sightline {

namespace json = boost::json;

namespace {

// Each section's defaults are its struct's (core/config.hpp), written once there.
/// The source's `tls` spec, said of the API and dashboard.
param_spec http_tls_param() {
    auto p = tls_param();
    p.doc = "Serve HTTPS and WSS (the API, the dashboard, /ws): " + p.doc;
    return p;
}

const std::vector<param_spec>& http_params() {
    const http_config d;
    static const std::vector<param_spec> p = {
        {.name = "enabled", .type = param_type::boolean, .default_value = d.enabled, .doc = "Serve the HTTP API and dashboard."},
        {.name = "listen", .type = param_type::string, .default_value = json::string(d.listen), .doc = "HOST:PORT of the HTTP server."},
        {.name = "token", .type = param_type::string, .default_value = json::string(d.token), .doc = "Bearer token required by the API (empty: none)."},
        {.name = "allowed_origins", .type = param_type::string_list, .default_value = json::array(),
         .doc = "Origins allowed to open the WebSocket (empty: same origin)."},
        {.name = "allowed_hosts", .type = param_type::string_list, .default_value = json::array(),
         .doc = "Host names requests may carry besides IP addresses and localhost (\".example.com\": and its subdomains)."},
        {.name = "push_interval_ms", .type = param_type::integer, .default_value = d.push_interval_ms,
         .doc = "Period of stats snapshots and pushes.", .min = 100, .max = max_duration_ms},
        {.name = "ws_max_behind_ms", .type = param_type::integer, .default_value = d.ws_max_behind_ms,
         .doc = "A WebSocket client with a full queue that took no frame for this long is closed.", .min = 100, .max = max_duration_ms},
        {.name = "request_timeout_ms", .type = param_type::integer, .default_value = d.request_timeout_ms,
         .doc = "A request must be complete this long after its first byte (slow senders are cut off).", .min = 100, .max = max_duration_ms},
        {.name = "keep_alive_timeout_ms", .type = param_type::integer, .default_value = d.keep_alive_timeout_ms,
         .doc = "An idle keep-alive connection is closed after this long.", .min = 100, .max = max_duration_ms},
        {.name = "max_connections", .type = param_type::integer, .default_value = d.max_connections,
         .doc = "Concurrent HTTP and WebSocket connections; beyond this a client gets 503 and is closed.", .min = 1,
         .max = 1048576},
        http_tls_param()};
    return p;
}

const std::vector<param_spec>& health_params() {
    const health_thresholds d;
    static const std::vector<param_spec> p = {
        {.name = "stage_error_ratio", .type = param_type::number, .default_value = d.stage_error_ratio,
         .doc = "A stage is degraded when more than this share of its lines failed in the last tick.", .min = 0, .max = 1},
        {.name = "queue_fill", .type = param_type::number, .default_value = d.queue_fill,
         .doc = "A stage is degraded when its input hand-off is at least this full.", .min = 0, .max = 1},
        {.name = "source_dropped_lines", .type = param_type::number, .default_value = d.source_dropped_lines,
         .doc = "A source is degraded when it dropped more lines than this in the last tick.", .min = 0},
        {.name = "buffer_fill", .type = param_type::number, .default_value = d.buffer_fill,
         .doc = "A sink is degraded when its disk buffer is at least this full.", .min = 0, .max = 1}};
    return p;
}

const std::vector<param_spec>& trace_params() {
    const trace_config d;
    static const std::vector<param_spec> p = {
        {.name = "enabled", .type = param_type::boolean, .default_value = d.enabled, .doc = "Trace lines through the pipeline."},
        {.name = "sample", .type = param_type::number, .default_value = d.sample, .doc = "Share of lines traced, in (0, 1].",
         .min = 1e-9, .max = 1.0},
        {.name = "capacity", .type = param_type::integer, .default_value = d.capacity, .doc = "Finished traces kept.", .min = 1, .max = 1e6}};
    return p;
}

const std::vector<param_spec>& errors_params() {
    const pipeline_config d;
    static const std::vector<param_spec> p = {
        {.name = "capacity", .type = param_type::integer, .default_value = d.errors_capacity, .doc = "Error records kept.", .min = 1, .max = 1e6}};
    return p;
}

const std::vector<param_spec>& log_params() {
    const log_config d;
    static const std::vector<param_spec> p = {
        {.name = "level", .type = param_type::string, .default_value = json::string(d.level), .doc = "Lowest level logged.",
         .choices = {"trace", "debug", "info", "warn", "error"}},
        {.name = "format", .type = param_type::string, .default_value = json::string(d.format), .doc = "text or json (default: text on a terminal).",
         .choices = {"", "text", "json"}}};
    return p;
}

const std::vector<param_spec>& dead_letter_params() {
    static const std::vector<param_spec> p = {
        {.name = "path", .type = param_type::string, .doc = "File receiving failed lines as JSON lines.", .required = true}};
    return p;
}

const std::vector<param_spec>& retry_params() {
    const retry_policy d;
    static const std::vector<param_spec> p = {
        {.name = "max_attempts", .type = param_type::integer, .default_value = d.max_attempts,
         .doc = "Attempts in all, the first included.", .min = 1, .max = 100},
        {.name = "backoff_ms", .type = param_type::integer, .default_value = d.backoff_ms,
         .doc = "Wait before the first retry; doubles each time.", .min = 0, .max = 600000}};
    return p;
}

const std::vector<param_spec>& circuit_params() {
    const circuit_policy d;
    static const std::vector<param_spec> p = {
        {.name = "failure_threshold", .type = param_type::integer, .default_value = d.failure_threshold,
         .doc = "Failures within the window that open the circuit.", .min = 1, .max = 1e9},
        {.name = "window_ms", .type = param_type::integer, .default_value = d.window_ms, .doc = "The window.", .min = 1, .max = max_duration_ms},
        {.name = "cooldown_ms", .type = param_type::integer, .default_value = d.cooldown_ms,
         .doc = "How long the circuit stays open before a probe.", .min = 1, .max = max_duration_ms}};
    return p;
}

const std::vector<param_spec>* find_schema(std::string_view kind, std::string_view type) {
    const auto* s = find_component_schema(kind, type);
    return s ? &s->params : nullptr;
}

/// Line and column (1-based) of byte `offset` in `text`.
std::string position_of(std::string_view text, std::size_t offset) {
    std::size_t line = 1, col = 1;
    for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++line;
            col = 1;
        } else {
            ++col;
        }
    }
    return "line " + std::to_string(line) + ", column " + std::to_string(col);
}

std::optional<json::value> parse_json(std::string_view text, problems& found) {
    json::stream_parser parser;
    json::error_code ec;
    std::size_t consumed = parser.write_some(text.data(), text.size(), ec);
    if (!ec && consumed < text.size()) ec = json::error::extra_data;
    if (!ec) parser.finish(ec);
    if (ec) {
        found.add("", "invalid JSON at " + position_of(text, consumed) + ": " + ec.message());
        return std::nullopt;
    }
    return parser.release();
}

void parse_components(const json::object& root, std::string_view key, std::string kind,
                      std::vector<component_config>& out, problems& found) {
    auto it = root.find(key);
    if (it == root.end()) return;
    std::string list_path(key);
    if (!it->value().is_array()) {
        found.add(list_path, "expected array, got " + std::string(json_kind_name(it->value())));
        return;
    }
    const auto& arr = it->value().get_array();
    for (std::size_t i = 0; i < arr.size(); ++i) {
        std::string path = path_index(list_path, i);
        if (!arr[i].is_object()) {
            found.add(path, "expected object, got " + std::string(json_kind_name(arr[i])));
            continue;
        }
        const auto& obj = arr[i].get_object();
        component_config c;
        c.kind = kind;
        c.path = path;
        auto type = obj.find("type");
        if (type == obj.end()) {
            found.add(path_join(path, "type"), "required string is missing");
            continue;
        }
        if (!type->value().is_string()) {
            found.add(path_join(path, "type"), "expected string, got " + std::string(json_kind_name(type->value())));
            continue;
        }
        c.type = type->value().get_string();
        auto problems_before = found.size();
        if (auto id = obj.find("id"); id != obj.end()) {
            if (!id->value().is_string() || id->value().get_string().empty())
                found.add(path_join(path, "id"), "expected a non-empty string");
            else
                c.id = id->value().get_string();
        }
        const auto* schema = find_schema(kind, c.type);
        if (!schema) {
            found.add(path_join(path, "type"),
                      "unknown " + kind + " type \"" + c.type + "\" (known: " + component_type_names(kind) + ")");
            c.valid = false;
            out.push_back(std::move(c));
            continue;
        }
        bool edges = std::any_of(schema->begin(), schema->end(), [](const param_spec& p) { return p.is_edge; });
        std::initializer_list<std::string_view> reserved_with_next = {"type", "id", "next"};
        std::initializer_list<std::string_view> reserved_without_next = {"type", "id"};
        // Sinks end the graph and routers name their edges in their own params: neither takes `next`.
        bool takes_next = kind != "sink" && !edges;
        std::initializer_list<std::string_view> processor_keys = {"type", "id", "next", "retry", "circuit"};
        std::initializer_list<std::string_view> router_keys = {"type", "id", "retry", "circuit"};
        validate_params(obj, *schema, path,
                        kind == "processor" ? (takes_next ? processor_keys : router_keys)
                                            : (takes_next ? reserved_with_next : reserved_without_next),
                        found);
        if (kind == "processor") {
            // Policies every processor may have, validated like parameters.
            for (auto [key, params] : {std::pair{"retry", &retry_params()}, {"circuit", &circuit_params()}}) {
                auto it = obj.find(key);
                if (it == obj.end()) continue;
                std::string where = path_join(path, key);
                if (!it->value().is_object()) {
                    found.add(where, "expected object, got " + std::string(json_kind_name(it->value())));
                    continue;
                }
                auto before = found.size();
                validate_params(it->value().get_object(), *params, where, {}, found);
                if (found.size() != before) continue;
                auto eff = effective_params(it->value().get_object(), *params);
                auto num = [&](const char* n) { return eff.at(n).to_number<std::int64_t>(); };
                if (std::string_view(key) == "retry")
                    c.retry = retry_policy{num("max_attempts"), num("backoff_ms")};
                else
                    c.circuit = circuit_policy{num("failure_threshold"), num("window_ms"), num("cooldown_ms")};
            }
        }
        if (auto next = obj.find("next"); takes_next && next != obj.end()) {
            const auto& v = next->value();
            if (v.is_string()) {
                c.next = std::vector<std::string>{std::string(v.get_string())};
            } else if (v.is_array() && std::all_of(v.get_array().begin(), v.get_array().end(),
                                                   [](const json::value& e) { return e.is_string(); })) {
                c.next.emplace();
                for (const auto& e : v.get_array()) c.next->emplace_back(e.get_string());
            } else {
                found.add(path_join(path, "next"), "expected array of strings, got " + std::string(json_kind_name(v)));
            }
        }
        for (const auto& kv : obj)
            if (kv.key() != "type" && kv.key() != "id" && kv.key() != "next" && kv.key() != "retry" && kv.key() != "circuit")
                c.given[kv.key()] = kv.value();
        c.params = effective_params(obj, *schema);
        c.valid = found.size() == problems_before;
        out.push_back(std::move(c));
    }
}

/// Components without an id get one from their type ("tagger", then "tagger_2", ...).
void assign_ids_and_check_unique(pipeline_config& cfg, problems& found) {
    std::map<std::string, std::string> seen;  // id -> path
    auto all = [&](auto fn) {
        for (auto* list : {&cfg.sources, &cfg.processors, &cfg.sinks})
            for (auto& c : *list) fn(c);
    };
    all([&](component_config& c) {
        if (!c.id.empty()) seen.emplace(c.id, c.path);
    });
    all([&](component_config& c) {
        if (!c.id.empty()) return;
        std::string id = c.type;
        for (int n = 2; seen.count(id); ++n) id = c.type + "_" + std::to_string(n);
        c.id = id;
        seen.emplace(id, c.path);
    });
    std::map<std::string, std::string> first;
    all([&](component_config& c) {
        if (c.id == dead_letter_id) {
            found.add(path_join(c.path, "id"), "\"dead_letter\" is reserved for the dead-letter sink");
            return;
        }
        auto [it, inserted] = first.emplace(c.id, c.path);
        if (!inserted) found.add(path_join(c.path, "id"), "duplicate id \"" + c.id + "\" (also at " + it->second + ")");
    });
}

void parse_section(const json::object& root, std::string_view key, const std::vector<param_spec>& params,
                   problems& found, const std::function<void(const json::object&)>& apply) {
    auto it = root.find(key);
    json::object given;
    if (it != root.end()) {
        if (!it->value().is_object()) {
            found.add(std::string(key), "expected object, got " + std::string(json_kind_name(it->value())));
            return;
        }
        given = it->value().get_object();
        auto before = found.size();
        validate_params(given, params, std::string(key), {}, found);
        if (found.size() != before) return;
    }
    apply(effective_params(given, params));
}

}  // namespace

pipeline_config parse_config(std::string_view text, problems& found) {
    pipeline_config cfg;
    auto root_value = parse_json(text, found);
    if (!root_value) return cfg;
    if (!root_value->is_object()) {
        found.add("", "the configuration must be a JSON object, got " + std::string(json_kind_name(*root_value)));
        return cfg;
    }
    const auto& root = root_value->get_object();
    static const std::vector<std::string_view> top = {"sources", "processors", "sinks",  "dead_letter", "http",
                                                      "trace",   "errors",     "alerts", "health",      "log"};
    for (const auto& kv : root)
        if (std::find(top.begin(), top.end(), kv.key()) == top.end())
            found.add(std::string(kv.key()),
                      "unknown key (expected one of: sources, processors, sinks, dead_letter, http, trace, errors, alerts, health, log)");

    // The settings outside the graph, as written: a reload compares them (restart_required).
    for (const auto& kv : root)
        if (kv.key() != "sources" && kv.key() != "processors" && kv.key() != "sinks") cfg.settings.emplace(kv.key(), kv.value());

    parse_components(root, "sources", "source", cfg.sources, found);
    parse_components(root, "processors", "processor", cfg.processors, found);
    parse_components(root, "sinks", "sink", cfg.sinks, found);
    assign_ids_and_check_unique(cfg, found);

    using json::value_to;
    parse_section(root, "dead_letter", dead_letter_params(), found, [&](const json::object& o) {
        if (o.contains("path")) cfg.dead_letter_path = value_to<std::string>(o.at("path"));
    });
    parse_section(root, "http", http_params(), found, [&](const json::object& o) {
        cfg.http.enabled = o.at("enabled").as_bool();
        cfg.http.listen = value_to<std::string>(o.at("listen"));

        cfg.http.token = value_to<std::string>(o.at("token"));
        cfg.http.allowed_origins = value_to<std::vector<std::string>>(o.at("allowed_origins"));
        cfg.http.allowed_hosts = value_to<std::vector<std::string>>(o.at("allowed_hosts"));
        cfg.http.push_interval_ms = o.at("push_interval_ms").to_number<std::int64_t>();
        cfg.http.ws_max_behind_ms = o.at("ws_max_behind_ms").to_number<std::int64_t>();
        cfg.http.request_timeout_ms = o.at("request_timeout_ms").to_number<std::int64_t>();
        cfg.http.keep_alive_timeout_ms = o.at("keep_alive_timeout_ms").to_number<std::int64_t>();
        cfg.http.max_connections = o.at("max_connections").to_number<std::int64_t>();
        check_tls(o, "http", found);
        cfg.http.tls = tls_from_params(o);
    });
    parse_section(root, "trace", trace_params(), found, [&](const json::object& o) {
        cfg.trace.enabled = o.at("enabled").as_bool();
        cfg.trace.sample = o.at("sample").to_number<double>();
        cfg.trace.capacity = o.at("capacity").to_number<std::int64_t>();
    });
    parse_section(root, "errors", errors_params(), found,
                  [&](const json::object& o) { cfg.errors_capacity = o.at("capacity").to_number<std::int64_t>(); });
    parse_section(root, "health", health_params(), found, [&](const json::object& o) {
        cfg.health.stage_error_ratio = o.at("stage_error_ratio").to_number<double>();
        cfg.health.queue_fill = o.at("queue_fill").to_number<double>();
        cfg.health.source_dropped_lines = o.at("source_dropped_lines").to_number<double>();
        cfg.health.buffer_fill = o.at("buffer_fill").to_number<double>();
    });
    parse_section(root, "log", log_params(), found, [&](const json::object& o) {
        cfg.log.level = value_to<std::string>(o.at("level"));
        cfg.log.format = value_to<std::string>(o.at("format"));
    });
    if (auto it = root.find("alerts"); it != root.end() && !it->value().is_object())
        found.add("alerts", "expected object, got " + std::string(json_kind_name(it->value())));
    else
        cfg.alerts = parse_alerts_config(it == root.end() ? nullptr : &it->value().get_object(), found);
    return cfg;
}

pipeline_config load_config_file(const std::string& path, problems& found) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        found.add(path, "cannot read config file");
        return {};
    }
    std::stringstream ss;
    ss << in.rdbuf();
    return parse_config(ss.str(), found);
}

component_config make_component(std::string kind, std::string type, std::string id, json::object params) {
    component_config c;
    c.kind = std::move(kind);
    c.type = std::move(type);
    c.id = std::move(id);
    c.path = "command line (" + c.id + ")";
    const auto* schema = find_schema(c.kind, c.type);
    if (!schema) throw std::logic_error("no schema for " + c.kind + " " + c.type);
    c.given = params;
    c.params = effective_params(params, *schema);
    return c;
}

}  // namespace sightline
