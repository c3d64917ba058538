// The `nats` sink type: publishes lines to NATS JetStream (nats.c from libnats-dev),
// several lines per message, with a bounded window of unacknowledged messages. A line
// counts as delivered only once JetStream acknowledged its message; each message has a
// Nats-Msg-Id (sink, run, sequence), so a message sent again after a lost ack is
// deduplicated by the stream. Traced lines carry their path so far in a header
// (remote_trace), for the aggregator that consumes them.
//
// nats.c reconnects by itself and calls back on its own threads; blocking calls (the
// stream check at start) run on a thread of this sink, never on the io threads.
#include <unistd.h>

#include <boost/json/value_to.hpp>
#include <map>
#include <mutex>
#include <thread>

#include "sightline/core/event_template.hpp"
#include "sightline/core/log.hpp"
#include "sightline/core/nats_client.hpp"
#include "sightline/core/remote_trace.hpp"
#include "sightline/sinks/network_sink.hpp"
#include "sightline/sinks/sink_descriptor.hpp"

namespace sightline {

namespace {

network_sink_options nats_defaults() {
    network_sink_options o;
    o.max_in_flight = 64;
    o.batch_max_lines = 1000;
    o.batch_max_bytes = 512 * 1024;  // below the server's default max_payload (1 MiB)
    o.batch_timeout = std::chrono::milliseconds(50);
    o.retry.attempts = 0;
    return o;
}

/// "logs.{severity}.x" -> "logs.*.x": the subjects a stream needs to hold every
/// subject the template can render.
std::string wildcard_of(const std::string& subject_template) {
    std::string out, token;
    auto flush = [&] {
        out += token.find('{') != std::string::npos ? "*" : token;
        token.clear();
    };
    for (char c : subject_template) {
        if (c == '.') {
            flush();
            out.push_back('.');
        } else {
            token.push_back(c);
        }
    }
    flush();
    return out;
}

std::string host_name() {
    char buf[256] = {};
    return gethostname(buf, sizeof buf - 1) == 0 && buf[0] ? std::string(buf) : std::string("sightline");
}

/// A message waiting for its acknowledgement (strand and nats.c thread; guarded by the sink's mutex).
struct pending_ack {
    explicit pending_ack(net::strand<net::io_context::executor_type>& strand) : wake(strand) {}
    net::steady_timer wake;
    bool done = false;
    std::string error;  // empty: acknowledged
    bool duplicate = false;
};

class nats_sink final : public network_sink {
public:
    nats_sink(net::io_context& ioc, const component_config& c)
        : network_sink(ioc, c.id, c.type, options_of(c.params)),
          subject_(boost::json::value_to<std::string>(c.params.at("subject"))),
          subject_template_(subject_),
          stream_(boost::json::value_to<std::string>(c.params.at("stream"))),
          create_stream_(c.params.at("create_stream").as_bool()),
          replicas_(c.params.at("replicas").to_number<std::int64_t>()),
          ack_timeout_(c.params.at("ack_timeout_ms").to_number<std::int64_t>()),
          origin_(c.params.at("origin").as_string().empty() ? host_name()
                                                            : boost::json::value_to<std::string>(c.params.at("origin"))),
          run_id_(std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count())) {
        for (const auto& s : c.params.at("servers").as_array()) servers_.push_back(boost::json::value_to<std::string>(s));
        tls_ = nats_tls_of(c.params, "sink " + c.id);
        for (const auto& s : c.params.at("stream_subjects").as_array())
            stream_subjects_.push_back(boost::json::value_to<std::string>(s));
        if (stream_subjects_.empty()) stream_subjects_.push_back(wildcard_of(subject_));
        status_ = "connecting to " + servers_text();
    }

    ~nats_sink() override { stop_client(); }

private:
    static network_sink_options options_of(const boost::json::object& params) {
        auto o = nats_defaults().from_params(params);
        o.batch_max_bytes = static_cast<std::size_t>(params.at("max_message_bytes").to_number<std::int64_t>());
        return o;
    }

    std::string servers_text() const {
        std::string s;
        for (const auto& u : servers_) s += (s.empty() ? "" : ",") + u;
        return s;
    }

    void key_of(const line_batch& batch, std::size_t i, std::string& key) override {
        key.clear();
        render_template(subject_template_, batch, i, nullptr, key);
        // A subject token is never empty and holds no space, '*' or '>'.
        bool token_start = true;
        std::string clean;
        clean.reserve(key.size() + 2);
        for (char c : key) {
            if (c == '.') {
                if (token_start) clean.push_back('_');
                clean.push_back('.');
                token_start = true;
                continue;
            }
            clean.push_back(static_cast<unsigned char>(c) <= ' ' || c == '*' || c == '>' || c == 0x7f ? '_' : c);
            token_start = false;
        }
        if (token_start) clean.push_back('_');
        key = std::move(clean);
    }

    void on_start() override {
        nats_client::settings s;
        s.servers = servers_;
        s.tls = tls_;
        s.name = "sightline " + origin_ + " sink " + id();
        s.max_pending_publishes = static_cast<std::int64_t>(options_.max_in_flight) * 2 + 16;
        s.on_connection = [this](bool up) {
            delivery.set_connected(up && ready_.load());
            if (!up) delivery.set_last_error("disconnected from " + servers_text());
            log::write(up ? log::level::info : log::level::warn, "sinks", up ? "nats_connected" : "nats_disconnected",
                       {{"sink", id()}, {"servers", servers_text()}});
        };
        s.on_publish = [this](natsMsg* msg, jsPubAck* ack, jsPubAckErr* err) { on_publish(msg, ack, err); };
        try {
            client_ = std::make_unique<nats_client>(std::move(s));
        } catch (const nats_error& e) {
            set_status(e.what());
            log::write(log::level::error, "sinks", "nats_client_failed", {{"sink", id()}, {"error", e.what()}});
            return;
        }
        checker_ = std::thread([this] { check_stream(); });
    }

    /// The stream must exist before anything is published (created when create_stream
    /// is set); until it does, deliveries wait and retry. Runs on checker_.
    void check_stream() {
        bool reported = false;
        while (!stopping_.load()) {
            if (!client_->wait_connected(stopping_, std::chrono::milliseconds(500))) continue;
            jsStreamInfo* si = nullptr;
            jsErrCode jerr = static_cast<jsErrCode>(0);
            auto st = js_GetStreamInfo(&si, client_->jetstream(), stream_.c_str(), nullptr, &jerr);
            if (st == NATS_OK) {
                jsStreamInfo_Destroy(si);
                break;
            }
            if (jerr == JSStreamNotFoundErr && create_stream_) {
                if (create()) break;
            } else {
                auto why = jerr == JSStreamNotFoundErr
                               ? "stream " + stream_ + " does not exist (set create_stream to create it)"
                               : nats_error_text("stream " + stream_, st, jerr);
                set_status(why);
                if (!reported)
                    log::write(log::level::error, "sinks", "nats_stream_unavailable", {{"sink", id()}, {"error", why}});
                reported = true;
            }
            for (int k = 0; k < 10 && !stopping_.load(); ++k) std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        if (stopping_.load()) return;
        ready_.store(true);
        delivery.set_connected(client_->connected());
        log::write(log::level::info, "sinks", "nats_stream_ready", {{"sink", id()}, {"stream", stream_}});
    }

    bool create() {
        jsStreamConfig cfg;
        jsStreamConfig_Init(&cfg);
        cfg.Name = stream_.c_str();
        std::vector<const char*> subjects;
        for (const auto& s : stream_subjects_) subjects.push_back(s.c_str());
        cfg.Subjects = subjects.data();
        cfg.SubjectsLen = static_cast<int>(subjects.size());
        cfg.Replicas = replicas_;
        cfg.Storage = js_FileStorage;
        jsStreamInfo* si = nullptr;
        jsErrCode jerr = static_cast<jsErrCode>(0);
        auto st = js_AddStream(&si, client_->jetstream(), &cfg, nullptr, &jerr);
        if (st == NATS_OK) {
            jsStreamInfo_Destroy(si);
            log::write(log::level::info, "sinks", "nats_stream_created",
                       {{"sink", id()}, {"stream", stream_}, {"subjects", stream_subjects_.front()},
                        {"replicas", std::to_string(replicas_)}});
            return true;
        }
        set_status(nats_error_text("create stream " + stream_, st, jerr));
        log::write(log::level::error, "sinks", "nats_stream_create_failed", {{"sink", id()}, {"error", status()}});
        return false;
    }

    void set_status(std::string s) {
        std::lock_guard lock(mutex_);
        status_ = std::move(s);
    }
    std::string status() {
        std::lock_guard lock(mutex_);
        return status_;
    }

    std::string message_id(const outgoing_message& m) const {
        return id() + "-" + run_id_ + "-" + std::to_string(m.sequence);
    }

    net::awaitable<delivery_result> deliver(outgoing_message& m) override {
        if (!client_ || !ready_.load()) co_return delivery_result::retry(status());
        auto msg_id = message_id(m);
        natsMsg* msg = nullptr;
        auto st = natsMsg_Create(&msg, m.key.c_str(), nullptr, m.payload.data(), static_cast<int>(m.payload.size()));
        if (st == NATS_OK) st = natsMsgHeader_Set(msg, "Nats-Msg-Id", msg_id.c_str());
        if (st == NATS_OK && !m.traces.empty()) {
            std::vector<std::pair<std::uint32_t, const trace_record*>> traced;
            for (const auto& [i, t] : m.traces) traced.emplace_back(i, t.get());
            auto header = encode_remote_traces(traced, origin_);
            if (header.size() <= 64 * 1024) st = natsMsgHeader_Set(msg, "Sightline-Trace", header.c_str());
        }
        if (st != NATS_OK) {
            natsMsg_Destroy(msg);
            co_return delivery_result::rejected(nats_error_text("message", st));
        }
        auto waiting = std::make_shared<pending_ack>(strand_);
        waiting->wake.expires_after(ack_timeout_ + std::chrono::seconds(1));
        {
            std::lock_guard lock(mutex_);
            pending_[msg_id] = waiting;
        }
        jsPubOptions po;
        jsPubOptions_Init(&po);
        po.MaxWait = ack_timeout_.count();
        po.MsgId = msg_id.c_str();
        st = js_PublishMsgAsync(client_->jetstream(), &msg, &po);
        natsMsg_Destroy(msg);  // nulled when nats.c took it
        if (st != NATS_OK) {
            forget(msg_id);
            if (st == NATS_MAX_PAYLOAD) co_return delivery_result::rejected(nats_error_text("publish", st));
            co_return delivery_result::retry(nats_error_text("publish to " + m.key, st));
        }
        co_await waiting->wake.async_wait(use_aw_ec);
        forget(msg_id);
        std::lock_guard lock(mutex_);
        if (!waiting->done) co_return delivery_result::retry("no acknowledgement from JetStream within " +
                                                              std::to_string(ack_timeout_.count()) + " ms");
        if (!waiting->error.empty()) co_return delivery_result::retry(waiting->error);
        if (waiting->duplicate) duplicates_.fetch_add(1, std::memory_order_relaxed);
        co_return delivery_result::delivered();
    }

    void forget(const std::string& msg_id) {
        std::lock_guard lock(mutex_);
        pending_.erase(msg_id);
    }

    /// On a nats.c thread: wakes the delivery that waits for this message.
    void on_publish(natsMsg* msg, jsPubAck* ack, jsPubAckErr* err) {
        const char* msg_id = nullptr;
        if (natsMsgHeader_Get(msg, "Nats-Msg-Id", &msg_id) != NATS_OK || !msg_id) return;
        std::shared_ptr<pending_ack> waiting;
        {
            std::lock_guard lock(mutex_);
            auto it = pending_.find(msg_id);
            if (it == pending_.end()) return;  // its delivery gave up waiting
            waiting = it->second;
            waiting->done = true;
            if (ack)
                waiting->duplicate = ack->Duplicate;
            else
                waiting->error = err && err->ErrText && *err->ErrText
                                     ? std::string("JetStream: ") + err->ErrText
                                     : nats_error_text("publish", err ? err->Err : NATS_ERR, err ? err->ErrCode : static_cast<jsErrCode>(0));
        }
        net::post(strand_, [waiting] { waiting->wake.cancel(); });
    }

    void on_stop() override { stop_client(); }

    void stop_client() {
        stopping_.store(true);
        if (checker_.joinable()) checker_.join();
        client_.reset();
    }

    sink_stats stats() const override {
        auto s = network_sink::stats();
        if (s.delivery) s.delivery->duplicates = duplicates_.load(std::memory_order_relaxed);
        return s;
    }

    std::vector<std::string> servers_;
    std::optional<tls_client_settings> tls_;
    std::string subject_;
    event_template subject_template_;
    std::string stream_;
    std::vector<std::string> stream_subjects_;
    bool create_stream_;
    std::int64_t replicas_;
    std::chrono::milliseconds ack_timeout_;
    std::string origin_;
    std::string run_id_;

    std::unique_ptr<nats_client> client_;
    std::thread checker_;
    std::atomic<bool> stopping_{false};
    std::atomic<bool> ready_{false};
    std::atomic<std::uint64_t> duplicates_{0};
    std::mutex mutex_;
    std::string status_;
    std::map<std::string, std::shared_ptr<pending_ack>, std::less<>> pending_;
};

}  // namespace

sink_descriptor nats_sink_descriptor() {
    sink_descriptor d;
    d.schema = {"nats",
                "Publishes lines to NATS JetStream, several to a message; a line counts as delivered once JetStream "
                "acknowledged it. Nats-Msg-Id deduplicates re-sent messages; while NATS is unreachable the "
                "pipeline waits behind the sink.",
                {{.name = "servers", .type = param_type::string_list,
                  .default_value = boost::json::array{"nats://127.0.0.1:4222"},
                  .doc = "NATS server URLs, nats:// or tls:// (any of a cluster's nodes; nats.c fails over between them)."},
                 tls_client_param("to the servers (tls:// URLs imply it)"),
                 {.name = "subject", .type = param_type::string,
                  .doc = "Subject to publish to, a template over fields: \"logs.{severity}\" (a missing field "
                         "or an empty token renders \"_\").",
                  .required = true},
                 {.name = "stream", .type = param_type::string, .doc = "JetStream stream that must hold the subjects.",
                  .required = true},
                 {.name = "create_stream", .type = param_type::boolean, .default_value = false,
                  .doc = "Create the stream when it does not exist."},
                 {.name = "stream_subjects", .type = param_type::string_list, .default_value = boost::json::array{},
                  .doc = "Subjects of a created stream (default: the subject with each templated token as *)."},
                 {.name = "replicas", .type = param_type::integer, .default_value = 1,
                  .doc = "Copies of a created stream (3 on a three-node cluster).", .min = 1, .max = 5},
                 {.name = "max_message_bytes", .type = param_type::integer, .default_value = 512 * 1024,
                  .doc = "Most bytes of lines in one message (keep it under the server's max_payload).", .min = 64,
                  .max = 64 * 1024 * 1024},
                 {.name = "ack_timeout_ms", .type = param_type::integer, .default_value = 5000,
                  .doc = "Longest wait for JetStream's acknowledgement before the message is sent again.", .min = 10,
                  .max = max_duration_ms},
                 {.name = "origin", .type = param_type::string, .default_value = "",
                  .doc = "Name of this instance in traces that cross machines (default: the host name)."}}};
    for (auto& p : nats_defaults().params(true))
        if (p.name != "batch_max_bytes") d.schema.params.push_back(std::move(p));
    d.check = [](const boost::json::object& params, const std::string& path, problems& found) {
        check_nats_servers(params, path, found);
        auto subject = boost::json::value_to<std::string>(params.at("subject"));
        if (subject.empty() || subject.front() == '.' || subject.back() == '.' ||
            subject.find_first_of(" \t*>") != std::string::npos)
            found.add(path_join(path, "subject"), "a subject is tokens separated by dots, without spaces, * or >");
        if (boost::json::value_to<std::string>(params.at("stream")).empty())
            found.add(path_join(path, "stream"), "must not be empty");
        delivery_retry::check(params, path, found);
    };
    d.create = [](net::io_context& ioc, const component_config& c) -> std::shared_ptr<sink> {
        return std::make_shared<nats_sink>(ioc, c);
    };
    return d;
}

}  // namespace sightline
