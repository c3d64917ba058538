#include "sightline/ingest/file_tail_source.hpp"

#include <glob.h>
#include <sys/stat.h>

#include <set>

#include "sightline/core/log.hpp"
#include "sightline/core/log_exit.hpp"

namespace sightline {

namespace {
constexpr std::size_t max_batch_bytes = 1024 * 1024;
}

file_tail_source::file_tail_source(net::io_context& ioc, std::string id, file_tail_config cfg)
    : source(std::move(id), "file"), strand_(net::make_strand(ioc)), cfg_(std::move(cfg)), timer_(strand_) {
    discover();  // files present at start honour start_at
}

bool file_tail_source::is_glob() const { return cfg_.pattern.find_first_of("*?[") != std::string::npos; }

void file_tail_source::discover() {
    glob_t g{};
    // A plain path that does not exist yet is followed anyway: it may appear later.
    if (::glob(cfg_.pattern.c_str(), GLOB_NOSORT, nullptr, &g) != 0 && !is_glob()) {
        if (!files_.count(cfg_.pattern)) {
            files_.emplace(cfg_.pattern, std::make_unique<followed_file>(cfg_.pattern, cfg_.max_line_bytes, false, &offsets_));
            log::write(log::level::warn, "ingest.file", "waiting_for_file", {{"source", id()}, {"path", cfg_.pattern}});
        }
    }
    std::set<file_identity> open, matched;
    for (const auto& [path, file] : files_)
        if (auto i = file->identity()) open.insert(*i);
    for (std::size_t i = 0; i < g.gl_pathc; ++i) {
        std::string path = g.gl_pathv[i];
        struct stat st{};
        if (::stat(path.c_str(), &st) == 0) matched.insert({st.st_dev, st.st_ino});
        if (files_.count(path)) continue;
        // The same file under a second name (rotated into a name the glob matches) is
        // read by its first follower until that one lets it go; then from where it left.
        if (open.count({st.st_dev, st.st_ino})) continue;
        // Files found after start are new: read them from their beginning.
        bool at_end = cfg_.start_at_end && !discovered_once_;
        files_.emplace(path, std::make_unique<followed_file>(path, cfg_.max_line_bytes, at_end, &offsets_));
        log::write(log::level::info, "ingest.file", "following", {{"source", id()}, {"path", path}});
    }
    ::globfree(&g);
    // Offsets of files no longer matched (deleted, or rotated out of the glob) go.
    std::erase_if(offsets_, [&](const auto& kv) { return !matched.count(kv.first); });
    files_followed_ = files_.size();
    discovered_once_ = true;
}

void file_tail_source::start(std::function<void()> on_done) {
    on_done_ = std::move(on_done);
    net::co_spawn(strand_, [self = shared_from_this()] { return self->run(); }, log_exit("ingest.file", id()));
}

void file_tail_source::stop() {
    stop_requested_ = true;
    net::post(strand_, [self = shared_from_this()] { self->timer_.cancel(); });
}

void file_tail_source::add_stats(source_stats& s) const {
    s.figures = {{"files_followed", files_followed_.load()},
                 {"rotations", rotations_.load()},
                 {"file_truncations", file_truncations_.load()},
                 {"files_released", files_released_.load()}};
}

net::awaitable<void> file_tail_source::run() {
    while (!stop_requested_) {
        std::size_t read_this_pass = 0;
        for (auto it = files_.begin(); it != files_.end();) {
            auto& file = it->second;
            for (;;) {
                line_batch batch;
                auto rot = file->rotations(), trunc = file->truncations(), cut = file->truncated_lines();
                std::size_t n = file->read_new(batch, max_batch_bytes);
                rotations_ += file->rotations() - rot;
                file_truncations_ += file->truncations() - trunc;
                metrics.truncated.add(file->truncated_lines() - cut);
                metrics.bytes.add(n);
                read_this_pass += n;
                if (!batch.empty()) {
                    metrics.lines.add(batch.size());
                    co_await deliver(std::move(batch));
                }
                if (n < max_batch_bytes || stop_requested_) break;
            }
            if (file->released() && is_glob()) {
                // Deleted and read to its end: its descriptor and buffer go (a new file
                // under that name is found again by the next look).
                log::write(log::level::info, "ingest.file", "file_released", {{"source", id()}, {"path", it->first}});
                ++files_released_;
                it = files_.erase(it);
                files_followed_ = files_.size();
            } else {
                ++it;
            }
        }
        if (read_this_pass == 0) {
            timer_.expires_after(cfg_.poll_interval);
            co_await timer_.async_wait(use_aw_ec);
            discover();
        }
    }
    // Shutdown: the unfinished last line of each file is still a line.
    line_batch last;
    for (auto& [path, file] : files_) file->finish(last);
    co_await end_stream(std::move(last));
}

}  // namespace sightline
