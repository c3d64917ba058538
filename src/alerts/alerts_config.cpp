#include "sightline/alerts/alerts_config.hpp"

#include <algorithm>
#include <boost/json/value_to.hpp>

#include "sightline/core/param_schema.hpp"

namespace sightline {

namespace json = boost::json;

namespace {

std::vector<std::string> expr_names() {
    std::vector<std::string> out;
    for (const auto& e : alert_exprs()) out.emplace_back(e.name);
    return out;
}

const std::vector<param_spec>& rule_params() {
    static const std::vector<param_spec> p = {
        {.name = "name", .type = param_type::string, .doc = "Alert name (the alertname label).", .required = true},
        {.name = "expr", .type = param_type::string, .doc = "Quantity compared.", .required = true, .choices = expr_names()},
        {.name = "stage", .type = param_type::string, .doc = "Stage id, or * for every stage."},
        {.name = "source", .type = param_type::string, .doc = "Source id, or * for every source."},
        {.name = "sink", .type = param_type::string, .doc = "Sink id, or * for every sink."},
        {.name = "reason", .type = param_type::string, .doc = "drop_rate only: one drop reason, or * for one alert per reason."},
        {.name = "above", .type = param_type::number, .doc = "Fire while the value is above this."},
        {.name = "below", .type = param_type::number, .doc = "Fire while the value is below this."},
        {.name = "for_ms", .type = param_type::integer, .default_value = 0,
         .doc = "How long the condition must hold before the alert fires (pending until then).", .min = 0,
         .max = max_duration_ms},
        {.name = "severity", .type = param_type::string, .default_value = "warning", .doc = "Severity label.",
         .choices = {"critical", "warning", "info"}},
        {.name = "summary", .type = param_type::string, .default_value = "",
         .doc = "Summary template: {label}, {value}, {threshold}, numbers as {value:.1%} or {value:.2f}."},
        {.name = "labels", .type = param_type::string_map, .default_value = json::object(),
         .doc = "Extra labels on every alert of the rule."}};
    return p;
}

const std::vector<param_spec>& alertmanager_params() {
    static const std::vector<param_spec> p = {
        {.name = "url", .type = param_type::string, .doc = "Alertmanager base URL, e.g. http://127.0.0.1:9093.", .required = true},
        {.name = "resend_interval_ms", .type = param_type::integer, .default_value = 60000,
         .doc = "Firing alerts are sent again this often.", .min = 1000, .max = max_duration_ms},
        tls_client_param("with an https:// url")};
    return p;
}

const std::vector<param_spec>& webhook_params() {
    static const std::vector<param_spec> p = {
        {.name = "url", .type = param_type::string, .doc = "URL receiving a JSON POST per tick with transitions.", .required = true},
        tls_client_param("with an https:// url")};
    return p;
}

const std::vector<param_spec>& delivery_params() {
    static const std::vector<param_spec> p = {
        {.name = "timeout_ms", .type = param_type::integer, .default_value = 5000, .doc = "One attempt, connect to response.", .min = 10, .max = max_duration_ms},
        {.name = "max_attempts", .type = param_type::integer, .default_value = 8, .doc = "Attempts per message.", .min = 1, .max = 1000},
        {.name = "backoff_ms", .type = param_type::integer, .default_value = 500, .doc = "First retry delay; doubles.", .min = 0, .max = max_duration_ms},
        {.name = "max_backoff_ms", .type = param_type::integer, .default_value = 30000, .doc = "Longest retry delay.", .min = 0, .max = max_duration_ms},
        {.name = "queue_capacity", .type = param_type::integer, .default_value = 256,
         .doc = "Messages waiting per receiver; beyond it the oldest is dropped.", .min = 1, .max = 100000}};
    return p;
}

const std::vector<param_spec>& section_params() {
    static const std::vector<param_spec> p = {
        {.name = "rules", .type = param_type::object_list, .doc = "Alert rules (absent: the built-in rules)."},
        {.name = "alertmanager", .type = param_type::object, .doc = "Prometheus Alertmanager to deliver to."},
        {.name = "webhooks", .type = param_type::object_list, .default_value = json::array(), .doc = "Webhooks to deliver to."},
        {.name = "delivery", .type = param_type::object, .default_value = json::object(), .doc = "Timeouts and retries."},
        {.name = "history_capacity", .type = param_type::integer, .default_value = 500,
         .doc = "Alert transitions kept for /alerts.", .min = 1, .max = 100000}};
    return p;
}

bool is_label_name(const std::string& s) {
    if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    });
}

std::int64_t int_of(const json::object& o, const char* k) { return o.at(k).to_number<std::int64_t>(); }

std::optional<alert_rule> parse_rule(const json::object& given, const std::string& path, problems& found) {
    auto before = found.size();
    validate_params(given, rule_params(), path, {}, found);
    if (found.size() != before) return std::nullopt;
    auto o = effective_params(given, rule_params());
    alert_rule r;
    r.path = path;
    r.name = json::value_to<std::string>(o.at("name"));
    r.expr = json::value_to<std::string>(o.at("expr"));
    r.severity = json::value_to<std::string>(o.at("severity"));
    r.for_ms = int_of(o, "for_ms");
    if (r.name.empty()) found.add(path_join(path, "name"), "must not be empty");

    bool has_above = o.contains("above"), has_below = o.contains("below");
    if (has_above == has_below)
        found.add(path, "give exactly one of \"above\" and \"below\"");
    else {
        r.above = has_above;
        r.threshold = o.at(has_above ? "above" : "below").to_number<double>();
    }

    int selectors = 0;
    for (auto s : {alert_subject::stage, alert_subject::source, alert_subject::sink})
        if (auto it = o.find(to_string(s)); it != o.end()) {
            ++selectors;
            r.subject = s;
            r.selector = json::value_to<std::string>(it->value());
            if (r.selector.empty()) found.add(path_join(path, to_string(s)), "must be a component id or *");
        }
    const auto* info = find_alert_expr(r.expr);
    if (selectors > 1) {
        found.add(path, "give at most one of \"stage\", \"source\" and \"sink\"");
    } else if (info && std::find(info->subjects.begin(), info->subjects.end(), r.subject) == info->subjects.end()) {
        std::string allowed;
        for (auto s : info->subjects)
            if (s != alert_subject::system) allowed += (allowed.empty() ? "\"" : ", \"") + std::string(to_string(s)) + "\"";
        found.add(path, r.subject == alert_subject::system
                            ? r.expr + " needs a selector: one of " + allowed
                            : r.expr + " does not apply to a " + std::string(to_string(r.subject)) +
                                  (allowed.empty() ? " (it takes no selector)" : " (use " + allowed + ")"));
    }
    if (o.contains("reason")) {
        r.reason = json::value_to<std::string>(o.at("reason"));
        if (r.expr != "drop_rate") found.add(path_join(path, "reason"), "only drop_rate takes a reason");
    }

    for (const auto& kv : o.at("labels").as_object()) {
        std::string key(kv.key());
        static const std::vector<std::string> reserved = {"alertname", "severity", "stage", "source", "sink", "reason"};
        if (!is_label_name(key))
            found.add(path_join(path_join(path, "labels"), key), "label names are letters, digits and _, not starting with a digit");
        else if (std::find(reserved.begin(), reserved.end(), key) != reserved.end())
            found.add(path_join(path_join(path, "labels"), key), "label \"" + key + "\" is set by Sightline");
        else
            r.labels[key] = std::string(kv.value().as_string());
    }

    std::string text = json::value_to<std::string>(o.at("summary"));
    if (text.empty()) {
        std::string subject(to_string(r.subject));
        text = r.expr + (subject.empty() ? "" : " of {" + subject + "}") + " is {value} (" +
               (r.above ? "above" : "below") + " {threshold})";
    }
    std::string why;
    if (auto t = alert_template::parse(text, why)) {
        std::vector<std::string> known = {"alertname", "severity", "value", "threshold", "expr"};
        if (r.subject != alert_subject::system) known.emplace_back(to_string(r.subject));
        if (r.reason == "*" || (!r.reason.empty())) known.emplace_back("reason");
        for (const auto& kv : r.labels) known.push_back(kv.first);
        for (const auto& name : t->names())
            if (std::find(known.begin(), known.end(), name) == known.end()) {
                std::string list;
                for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
                found.add(path_join(path, "summary"), "unknown placeholder {" + name + "} (known here: " + list + ")");
            }
        r.summary = std::move(*t);
    } else {
        found.add(path_join(path, "summary"), why);
    }
    if (found.size() != before) return std::nullopt;
    return r;
}

/// A receiver's url and tls (which only an https:// url takes).
std::optional<alert_receiver> parse_receiver(const json::object& o, const std::string& path, problems& found) {
    std::string why;
    auto u = parse_http_url(json::value_to<std::string>(o.at("url")), why);
    if (!u) {
        found.add(path_join(path, "url"), why);
        return std::nullopt;
    }
    auto n = found.size();
    check_tls_client(o, path, found);
    auto tls = tls_client_from_params(o);
    if (tls && !u->https) found.add(path_join(path, "tls"), "applies to https:// urls only");
    if (found.size() != n) return std::nullopt;
    return alert_receiver{std::move(*u), std::move(tls)};
}

/// A rule written in code, checked by the same parser as configured ones.
alert_rule built_in(json::object spec, problems& sink) {
    auto r = parse_rule(spec, "built-in", sink);
    r->path = "built-in " + r->name;
    return std::move(*r);
}

}  // namespace

std::vector<alert_rule> default_alert_rules() {
    problems never;  // the built-in rules are valid (a unit test checks it)
    return {
        built_in({{"name", "StageErrorRate"}, {"expr", "error_rate"}, {"stage", "*"}, {"above", 0.05}, {"for_ms", 60000},
                  {"severity", "critical"}, {"summary", "{stage} fails {value:.1%} of its lines"}},
                 never),
        built_in({{"name", "SinkWriteErrors"}, {"expr", "error_rate"}, {"sink", "*"}, {"above", 0}, {"for_ms", 0},
                  {"severity", "critical"}, {"summary", "sink {sink} cannot write: {value:.1%} of its lines failed"}},
                 never),
        built_in({{"name", "CircuitOpen"}, {"expr", "circuit_open"}, {"stage", "*"}, {"above", 0}, {"for_ms", 0},
                  {"severity", "warning"}, {"summary", "the circuit breaker of {stage} is open: its lines go to the dead letter"}},
                 never),
        built_in({{"name", "SourceBackpressure"}, {"expr", "paused_ratio"}, {"source", "*"}, {"above", 0.5}, {"for_ms", 60000},
                  {"severity", "warning"}, {"summary", "{source} is paused {value:.0%} of the time: the pipeline cannot keep up"}},
                 never),
        built_in({{"name", "SourceDropping"}, {"expr", "drop_rate"}, {"source", "*"}, {"above", 0}, {"for_ms", 30000},
                  {"severity", "warning"}, {"summary", "{source} drops {value:.1%} of its lines"}},
                 never),
        built_in({{"name", "StageSaturated"}, {"expr", "utilization"}, {"stage", "*"}, {"above", 0.9}, {"for_ms", 300000},
                  {"severity", "warning"}, {"summary", "{stage} is busy {value:.0%} of the time: it limits throughput"}},
                 never),
        built_in({{"name", "SinkDisconnected"}, {"expr", "disconnected_s"}, {"sink", "*"}, {"above", 60}, {"for_ms", 0},
                  {"severity", "critical"}, {"summary", "sink {sink} cannot reach its server for {value:.0f} s"}},
                 never),
        built_in({{"name", "SinkBufferFilling"}, {"expr", "buffer_fill"}, {"sink", "*"}, {"above", 0.8}, {"for_ms", 60000},
                  {"severity", "warning"}, {"summary", "the disk buffer of {sink} is {value:.0%} full"}},
                 never),
    };
}

alerts_config parse_alerts_config(const json::object* section, problems& found) {
    alerts_config cfg;
    const std::string path = "alerts";
    json::object given = section ? *section : json::object();
    auto before = found.size();
    validate_params(given, section_params(), path, {}, found);
    if (found.size() != before) return cfg;
    auto o = effective_params(given, section_params());
    cfg.history_capacity = int_of(o, "history_capacity");

    if (auto it = o.find("rules"); it != o.end()) {
        cfg.built_in_rules = false;
        const auto& list = it->value().as_array();
        for (std::size_t i = 0; i < list.size(); ++i)
            if (auto r = parse_rule(list[i].as_object(), path_index(path_join(path, "rules"), i), found))
                cfg.rules.push_back(std::move(*r));
    } else {
        cfg.rules = default_alert_rules();
    }

    if (auto it = o.find("alertmanager"); it != o.end()) {
        std::string p = path_join(path, "alertmanager");
        const auto& am = it->value().as_object();
        auto n = found.size();
        validate_params(am, alertmanager_params(), p, {}, found);
        if (found.size() == n) {
            auto eff = effective_params(am, alertmanager_params());
            cfg.alertmanager = parse_receiver(eff, p, found);
            cfg.resend_interval_ms = int_of(eff, "resend_interval_ms");
        }
    }
    const auto& hooks = o.at("webhooks").as_array();
    for (std::size_t i = 0; i < hooks.size(); ++i) {
        std::string p = path_index(path_join(path, "webhooks"), i);
        auto n = found.size();
        validate_params(hooks[i].as_object(), webhook_params(), p, {}, found);
        if (found.size() == n)
            if (auto r = parse_receiver(hooks[i].as_object(), p, found)) cfg.webhooks.push_back(std::move(*r));
    }
    std::string dp = path_join(path, "delivery");
    auto n = found.size();
    validate_params(o.at("delivery").as_object(), delivery_params(), dp, {}, found);
    if (found.size() == n) {
        auto d = effective_params(o.at("delivery").as_object(), delivery_params());
        cfg.delivery.timeout_ms = int_of(d, "timeout_ms");
        cfg.delivery.max_attempts = int_of(d, "max_attempts");
        cfg.delivery.backoff_ms = int_of(d, "backoff_ms");
        cfg.delivery.max_backoff_ms = int_of(d, "max_backoff_ms");
        cfg.delivery.queue_capacity = int_of(d, "queue_capacity");
    }
    return cfg;
}

void check_alert_selectors(const alerts_config& cfg, const std::vector<std::string>& stages,
                           const std::vector<std::string>& sources, const std::vector<std::string>& sinks,
                           problems& found) {
    for (const auto& r : cfg.rules) {
        if (r.selector.empty() || r.selector == "*") continue;
        const auto& ids = r.subject == alert_subject::stage ? stages : r.subject == alert_subject::source ? sources : sinks;
        if (std::find(ids.begin(), ids.end(), r.selector) == ids.end())
            found.add(path_join(r.path, to_string(r.subject)),
                      "unknown " + std::string(to_string(r.subject)) + " \"" + r.selector + "\"");
    }
}

}  // namespace sightline
