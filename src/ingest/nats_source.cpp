// The `nats` source type: a JetStream durable pull consumer. Several Sightline
// instances with the same stream and consumer share the messages. A fetched batch of
// messages becomes one line batch (a message holds lines separated by newlines) whose
// receipt acknowledges every message of it once the last batch made from it is let go:
// when every line reached a sink or the dead letter, or was dropped (README "Delivery").
// A crash before that leaves the messages unacknowledged, and JetStream delivers them
// again after ack_wait_ms (at least once); such redeliveries are counted.
//
// nats.c's fetch blocks, so fetching runs on a thread of this source; each batch is
// handed to the pipeline on the source's strand, and the thread waits until it was
// taken (backpressure: no fetch while the pipeline is full).
#include <boost/json/value_to.hpp>
#include <algorithm>
#include <future>
#include <thread>

#include "sightline/core/log.hpp"
#include "sightline/core/log_exit.hpp"
#include "sightline/core/nats_client.hpp"
#include "sightline/core/remote_trace.hpp"
#include "sightline/core/time_format.hpp"
#include "sightline/ingest/source_descriptor.hpp"

namespace sightline {

namespace {

/// Acknowledges a fetch's messages to JetStream when released. Holds the client so
/// the connection outlives the source while lines are still on their way to sinks.
class nats_ack_receipt {
public:
    nats_ack_receipt(std::shared_ptr<nats_client> client, std::vector<natsMsg*> msgs,
                     std::shared_ptr<std::atomic<std::uint64_t>> acked)
        : client_(std::move(client)), msgs_(std::move(msgs)), acked_(acked) {}
    ~nats_ack_receipt() {
        for (auto* m : msgs_) {
            if (natsMsg_Ack(m, nullptr) == NATS_OK) acked_->fetch_add(1, std::memory_order_relaxed);
            natsMsg_Destroy(m);
        }
    }
    nats_ack_receipt(const nats_ack_receipt&) = delete;
    nats_ack_receipt& operator=(const nats_ack_receipt&) = delete;

private:
    std::shared_ptr<nats_client> client_;
    std::vector<natsMsg*> msgs_;
    std::shared_ptr<std::atomic<std::uint64_t>> acked_;  // the source's counter
};

struct nats_source_config {
    std::vector<std::string> servers;
    std::optional<tls_client_settings> tls;
    std::string stream;
    std::string consumer;
    std::string filter_subject;
    int fetch_batch = 256;
    std::chrono::milliseconds ack_wait{30'000};
    std::int64_t max_ack_pending = 4096;
};

class nats_source final : public source, public std::enable_shared_from_this<nats_source> {
public:
    nats_source(net::io_context& ioc, std::string id, nats_source_config cfg)
        : source(std::move(id), "nats"), strand_(net::make_strand(ioc)), cfg_(std::move(cfg)) {}

    ~nats_source() override {
        stopping_.store(true);
        if (!fetcher_.joinable()) return;
        // The fetcher holds the source: it may be the one letting go last.
        if (fetcher_.get_id() == std::this_thread::get_id())
            fetcher_.detach();
        else
            fetcher_.join();
    }

    void start(std::function<void()> on_done) override {
        on_done_ = std::move(on_done);
        set_running(true);
        fetcher_ = std::thread([self = shared_from_this()] { self->fetch_loop(); });
    }

    void stop() override { stopping_.store(true); }
    bool finite() const override { return false; }

private:
    void add_stats(source_stats& s) const override {
        s.figures.emplace_back("messages", messages_.load(std::memory_order_relaxed));
        s.figures.emplace_back("redelivered_messages", redelivered_.load(std::memory_order_relaxed));
        s.figures.emplace_back("acked_messages", acked_->load(std::memory_order_relaxed));
        s.figures.emplace_back("connected", connected_->load(std::memory_order_relaxed) ? 1 : 0);
    }

    std::string servers_text() const {
        std::string s;
        for (const auto& u : cfg_.servers) s += (s.empty() ? "" : ",") + u;
        return s;
    }

    void fetch_loop() {
        nats_client::settings settings;
        settings.servers = cfg_.servers;
        settings.tls = cfg_.tls;
        settings.name = "sightline source " + id();
        // Called on nats.c's threads until the client closes, which may be after this
        // source is gone (receipts hold the client): nothing of `this` is captured.
        settings.on_connection = [connected = connected_, id = id(), servers = servers_text()](bool up) {
            connected->store(up, std::memory_order_relaxed);
            log::write(up ? log::level::info : log::level::warn, "ingest.nats", up ? "nats_connected" : "nats_disconnected",
                       {{"source", id}, {"servers", servers}});
        };
        try {
            client_ = std::make_shared<nats_client>(std::move(settings));
        } catch (const nats_error& e) {
            log::write(log::level::error, "ingest.nats", "nats_client_failed", {{"source", id()}, {"error", e.what()}});
        }
        natsSubscription* sub = client_ ? subscribe() : nullptr;
        while (sub && !stopping_.load()) {
            natsMsgList list{};
            jsErrCode jerr = static_cast<jsErrCode>(0);
            auto st = natsSubscription_Fetch(&list, sub, cfg_.fetch_batch, 500, &jerr);
            if (st == NATS_TIMEOUT) continue;
            if (st != NATS_OK) {
                log::write_limited(fetch_errors_, log::level::warn, "ingest.nats", "nats_fetch_failed",
                                   {{"source", id()}, {"error", nats_error_text("fetch", st, jerr)}});
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
                continue;
            }
            hand_over(to_batch(list));
            // The messages now belong to the receipt: free only the list.
            for (int k = 0; k < list.Count; ++k) list.Msgs[k] = nullptr;
            natsMsgList_Destroy(&list);
        }
        if (sub) natsSubscription_Destroy(sub);  // not Unsubscribe: that would delete the durable consumer
        net::post(strand_, [self = shared_from_this()] {
            net::co_spawn(self->strand_, [self] { return self->finish(); }, log_exit("ingest.nats", self->id()));
        });
    }

    net::awaitable<void> finish() {
        line_batch nothing;  // named: g++ 12 destroys a co_await's temporaries twice
        co_await end_stream(std::move(nothing));
        set_running(false);
        client_.reset();  // closed once the last receipt let go too
        log::write(log::level::info, "ingest.nats", "stopped", {{"source", id()}});
    }

    /// Binds to the durable consumer, creating it when missing. Retries until it works
    /// or the source stops (the server may be down, the stream not created yet).
    natsSubscription* subscribe() {
        bool reported = false;
        while (!stopping_.load()) {
            if (!client_->wait_connected(stopping_, std::chrono::milliseconds(500))) continue;
            jsErrCode jerr = static_cast<jsErrCode>(0);
            jsConsumerInfo* ci = nullptr;
            auto st = js_GetConsumerInfo(&ci, client_->jetstream(), cfg_.stream.c_str(), cfg_.consumer.c_str(), nullptr, &jerr);
            if (st != NATS_OK && (jerr == JSConsumerNotFoundErr || st == NATS_NOT_FOUND)) {
                jsConsumerConfig cc;
                jsConsumerConfig_Init(&cc);
                cc.Durable = cfg_.consumer.c_str();
                cc.AckPolicy = js_AckExplicit;
                cc.AckWait = std::chrono::duration_cast<std::chrono::nanoseconds>(cfg_.ack_wait).count();
                cc.MaxAckPending = cfg_.max_ack_pending;
                if (!cfg_.filter_subject.empty()) cc.FilterSubject = cfg_.filter_subject.c_str();
                jerr = static_cast<jsErrCode>(0);
                st = js_AddConsumer(&ci, client_->jetstream(), cfg_.stream.c_str(), &cc, nullptr, &jerr);
                if (st == NATS_OK)
                    log::write(log::level::info, "ingest.nats", "nats_consumer_created",
                               {{"source", id()}, {"stream", cfg_.stream}, {"consumer", cfg_.consumer}});
            }
            if (ci) jsConsumerInfo_Destroy(ci);
            natsSubscription* sub = nullptr;
            if (st == NATS_OK) {
                jsSubOptions so;
                jsSubOptions_Init(&so);
                so.Stream = cfg_.stream.c_str();
                so.Consumer = cfg_.consumer.c_str();
                jerr = static_cast<jsErrCode>(0);
                st = js_PullSubscribe(&sub, client_->jetstream(), cfg_.filter_subject.c_str(), cfg_.consumer.c_str(),
                                      nullptr, &so, &jerr);
            }
            if (st == NATS_OK) {
                log::write(log::level::info, "ingest.nats", "consuming",
                           {{"source", id()}, {"stream", cfg_.stream}, {"consumer", cfg_.consumer}});
                return sub;
            }
            if (!reported)
                log::write(log::level::error, "ingest.nats", "nats_subscribe_failed",
                           {{"source", id()}, {"error", nats_error_text("consumer " + cfg_.consumer + " of stream " + cfg_.stream, st, jerr)}});
            reported = true;
            for (int k = 0; k < 10 && !stopping_.load(); ++k) std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        return nullptr;
    }

    /// The lines of every message of a fetch, in one batch holding their receipt.
    line_batch to_batch(natsMsgList& list) {
        line_batch batch;
        std::vector<natsMsg*> msgs;
        std::vector<remote_trace> traces;
        std::uint64_t bytes = 0;
        for (int k = 0; k < list.Count; ++k) {
            natsMsg* m = list.Msgs[k];
            msgs.push_back(m);
            jsMsgMetaData* meta = nullptr;
            if (natsMsg_GetMetaData(&meta, m) == NATS_OK) {
                if (meta->NumDelivered > 1) redelivered_.fetch_add(1, std::memory_order_relaxed);
                jsMsgMetaData_Destroy(meta);
            }
            auto first_line = static_cast<std::uint32_t>(batch.size());
            std::string_view data(natsMsg_GetData(m), static_cast<std::size_t>(natsMsg_GetDataLength(m)));
            bytes += data.size();
            while (!data.empty()) {
                auto nl = data.find('\n');
                batch.append(data.substr(0, nl));
                data = nl == std::string_view::npos ? std::string_view() : data.substr(nl + 1);
            }
            const char* header = nullptr;
            if (natsMsgHeader_Get(m, "Sightline-Trace", &header) == NATS_OK && header) {
                for (auto& t : decode_remote_traces(header)) {
                    t.index += first_line;
                    if (t.index < batch.size()) traces.push_back(std::move(t));
                }
            }
        }
        messages_.fetch_add(static_cast<std::uint64_t>(list.Count), std::memory_order_relaxed);
        metrics.bytes.add(bytes);
        batch.receipts.push_back(std::make_shared<nats_ack_receipt>(client_, std::move(msgs), acked_));
        if (!traces.empty()) attach_traces(batch, std::move(traces));
        return batch;
    }

    /// Lines traced upstream keep their id and path; the hop through JetStream is a step.
    void attach_traces(line_batch& batch, std::vector<remote_trace> traces) {
        std::sort(traces.begin(), traces.end(), [](const auto& a, const auto& b) { return a.index < b.index; });
        auto now = unix_us(std::chrono::system_clock::now());
        std::string_view hop = remote_name("nats:" + cfg_.stream);
        for (auto& t : traces) {
            if (!batch.traces.empty() && batch.traces.back().index == t.index) continue;
            auto since = t.record->path.empty() ? now : t.record->path.back().unix_us;
            t.record->add_at(now, hop, "hop", static_cast<double>(now - since));
            t.record->add_at(now, id(), "received");
            batch.lines[t.index].line_id = t.record->line_id;
            batch.traces.push_back({t.index, std::move(t.record)});
        }
    }

    /// Runs on fetcher_: hands the batch to the pipeline on the strand and waits until
    /// it was taken (or the source stops).
    void hand_over(line_batch batch) {
        metrics.lines.add(batch.size());
        auto taken = std::make_shared<std::promise<void>>();
        auto done = taken->get_future();
        auto work = std::make_shared<line_batch>(std::move(batch));
        net::post(strand_, [self = shared_from_this(), work, taken] {
            net::co_spawn(self->strand_, [self, work, taken] { return self->send(work, taken); },
                          log_exit("ingest.nats", self->id()));
        });
        done.wait();
    }

    net::awaitable<void> send(std::shared_ptr<line_batch> work, std::shared_ptr<std::promise<void>> taken) {
        line_batch batch = std::move(*work);
        co_await deliver(std::move(batch));
        taken->set_value();
    }

    net::strand<net::io_context::executor_type> strand_;
    nats_source_config cfg_;
    std::shared_ptr<nats_client> client_;
    std::thread fetcher_;
    std::atomic<bool> stopping_{false};
    std::shared_ptr<std::atomic<bool>> connected_ = std::make_shared<std::atomic<bool>>(false);
    std::atomic<std::uint64_t> messages_{0};
    std::atomic<std::uint64_t> redelivered_{0};
    /// Shared with the receipts, which may outlive the source.
    std::shared_ptr<std::atomic<std::uint64_t>> acked_ = std::make_shared<std::atomic<std::uint64_t>>(0);
    log::rate_limiter fetch_errors_{std::chrono::seconds(10), 3};
};

}  // namespace

source_descriptor nats_source_descriptor() {
    source_descriptor d;
    d.schema = {"nats",
                "Consumes a NATS JetStream stream through a durable pull consumer shared by every instance that "
                "names it; a message is acknowledged only once each of its lines reached a sink or the dead letter.",
                {{.name = "servers", .type = param_type::string_list,
                  .default_value = boost::json::array{"nats://127.0.0.1:4222"}, .doc = "NATS server URLs, nats:// or tls://."},
                 tls_client_param("to the servers (tls:// URLs imply it)"),
                 {.name = "stream", .type = param_type::string, .doc = "The stream to consume.", .required = true},
                 {.name = "consumer", .type = param_type::string,
                  .doc = "Durable consumer name (created when missing); instances naming the same one share the work.",
                  .required = true},
                 {.name = "filter_subject", .type = param_type::string, .default_value = "",
                  .doc = "Only messages of these subjects (e.g. logs.*); empty: the whole stream."},
                 {.name = "fetch_batch", .type = param_type::integer, .default_value = 256,
                  .doc = "Most messages asked for at once.", .min = 1, .max = 10'000},
                 {.name = "ack_wait_ms", .type = param_type::integer, .default_value = 30'000,
                  .doc = "How long JetStream waits for an acknowledgement before it delivers a message again "
                         "(set when the consumer is created).",
                  .min = 100, .max = max_duration_ms},
                 {.name = "max_ack_pending", .type = param_type::integer, .default_value = 4096,
                  .doc = "Most messages unacknowledged at once per consumer (set when it is created).", .min = 1,
                  .max = 1'000'000}}};
    d.check = [](const boost::json::object& params, const std::string& path, problems& found) {
        check_nats_servers(params, path, found);
        auto consumer = boost::json::value_to<std::string>(params.at("consumer"));
        if (consumer.empty() || consumer.find_first_of(". *>") != std::string::npos)
            found.add(path_join(path, "consumer"), "a durable name is not empty and has no '.', ' ', '*' or '>'");
        if (boost::json::value_to<std::string>(params.at("stream")).empty())
            found.add(path_join(path, "stream"), "must not be empty");
    };
    d.create = [](net::io_context& ioc, const component_config& c) -> std::shared_ptr<source> {
        nats_source_config cfg;
        for (const auto& s : c.params.at("servers").as_array()) cfg.servers.push_back(boost::json::value_to<std::string>(s));
        cfg.tls = nats_tls_of(c.params, "source " + c.id);
        cfg.stream = boost::json::value_to<std::string>(c.params.at("stream"));
        cfg.consumer = boost::json::value_to<std::string>(c.params.at("consumer"));
        cfg.filter_subject = boost::json::value_to<std::string>(c.params.at("filter_subject"));
        cfg.fetch_batch = static_cast<int>(c.params.at("fetch_batch").to_number<std::int64_t>());
        cfg.ack_wait = std::chrono::milliseconds(c.params.at("ack_wait_ms").to_number<std::int64_t>());
        cfg.max_ack_pending = c.params.at("max_ack_pending").to_number<std::int64_t>();
        return std::make_shared<nats_source>(ioc, c.id, std::move(cfg));
    };
    return d;
}

}  // namespace sightline
