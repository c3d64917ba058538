#include "sightline/ingest/replay_progress.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace sightline {

namespace json = boost::json;

std::optional<replay_progress::position> replay_progress::load(const std::string& offset_file, std::string& error) {
    std::ifstream in(offset_file);
    if (!in) return std::nullopt;
    std::stringstream text;
    text << in.rdbuf();
    boost::system::error_code ec;
    auto doc = json::parse(text.str(), ec);
    auto number = [&](std::string_view key) -> std::optional<std::uint64_t> {
        const auto* v = doc.is_object() ? doc.as_object().if_contains(key) : nullptr;
        if (!v || !(v->is_uint64() || (v->is_int64() && v->as_int64() >= 0))) return std::nullopt;
        return v->to_number<std::uint64_t>();
    };
    auto device = number("device"), inode = number("inode"), offset = number("offset"), records = number("records");
    if (ec || !device || !inode || !offset || !records) {
        error = offset_file + " is not an offset file ({\"device\",\"inode\",\"offset\",\"records\"})";
        return std::nullopt;
    }
    return position{*device, *inode, *offset, *records};
}

replay_progress::replay_progress(std::string offset_file, position start)
    : path_(std::move(offset_file)), committed_(start) {}

receipt replay_progress::track(std::uint64_t end_offset, std::uint64_t records) {
    std::uint64_t seq;
    {
        std::lock_guard lock(mutex_);
        seq = first_seq_ + pending_.size();
        pending_.push_back({end_offset, records});
    }
    // The receipt's only job is its release: the last batch holding it lets go.
    return std::shared_ptr<const void>(new char(0), [self = shared_from_this(), seq](const void* p) {
        delete static_cast<const char*>(p);
        self->done(seq);
    });
}

void replay_progress::done(std::uint64_t seq) {
    std::function<void(const position&)> complete;
    position now;
    {
        std::lock_guard lock(mutex_);
        pending_.at(seq - first_seq_).done = true;
        bool advanced = false;
        while (!pending_.empty() && pending_.front().done) {
            committed_.offset = pending_.front().end_offset;
            committed_.records += pending_.front().records;
            committed_here_ += pending_.front().records;
            pending_.pop_front();
            ++first_seq_;
            advanced = true;
        }
        if (advanced) save(committed_);
        if (finished_ && pending_.empty() && on_complete_) complete = std::move(on_complete_);
        now = committed_;
    }
    if (complete) complete(now);
}

void replay_progress::finish(std::function<void(const position&)> on_complete) {
    position now;
    {
        std::lock_guard lock(mutex_);
        finished_ = true;
        if (!pending_.empty()) {
            on_complete_ = std::move(on_complete);
            return;
        }
        now = committed_;
    }
    on_complete(now);
}

replay_progress::position replay_progress::committed() const {
    std::lock_guard lock(mutex_);
    return committed_;
}

std::uint64_t replay_progress::records_committed_here() const {
    std::lock_guard lock(mutex_);
    return committed_here_;
}

void replay_progress::reset(position p) {
    std::lock_guard lock(mutex_);
    committed_ = p;
    save(p);
}

std::string replay_progress::save_error() const {
    std::lock_guard lock(mutex_);
    return save_error_;
}

void replay_progress::save(const position& p) {
    json::object o{{"device", p.device}, {"inode", p.inode}, {"offset", p.offset}, {"records", p.records}};
    auto tmp = path_ + ".tmp";
    std::FILE* f = std::fopen(tmp.c_str(), "w");
    bool ok = f && std::fputs((json::serialize(o) + "\n").c_str(), f) >= 0;
    if (f && std::fclose(f) != 0) ok = false;
    if (ok && std::rename(tmp.c_str(), path_.c_str()) != 0) ok = false;
    save_error_ = ok ? std::string() : path_ + ": " + std::strerror(errno);
}

}  // namespace sightline
