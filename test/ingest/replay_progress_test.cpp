#include "sightline/ingest/replay_progress.hpp"

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace sightline;

namespace {
std::string temp_offset_file(const char* name) {
    auto dir = std::filesystem::temp_directory_path() / ("sl-replay-progress-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    auto p = dir / name;
    std::filesystem::remove(p);
    return p.string();
}
}  // namespace

BOOST_AUTO_TEST_SUITE(replay_progress_tests)

BOOST_AUTO_TEST_CASE(records_commit_in_file_order_whatever_order_batches_finish) {
    auto path = temp_offset_file("order.offset");
    auto p = std::make_shared<replay_progress>(path, replay_progress::position{7, 9, 100, 3});
    auto a = p->track(200, 4);
    auto b = p->track(300, 5);
    auto c = p->track(350, 1);
    b.reset();  // the second batch is done first: nothing may commit past the first
    BOOST_TEST(p->committed().offset == 100u);
    BOOST_TEST(!std::filesystem::exists(path));
    a.reset();  // now the first two
    BOOST_TEST(p->committed().offset == 300u);
    BOOST_TEST(p->committed().records == 12u);
    BOOST_TEST(p->records_committed_here() == 9u);
    std::string error;
    auto saved = replay_progress::load(path, error);
    BOOST_REQUIRE(saved);
    BOOST_TEST((*saved == replay_progress::position{7, 9, 300, 12}));
    bool completed = false;
    p->finish([&](const replay_progress::position& at) {
        completed = true;
        BOOST_TEST(at.offset == 350u);
    });
    BOOST_TEST(!completed);
    c.reset();
    BOOST_TEST(completed);
    BOOST_TEST(replay_progress::load(path, error)->offset == 350u);
}

BOOST_AUTO_TEST_CASE(finish_with_nothing_pending_completes_at_once) {
    auto p = std::make_shared<replay_progress>(temp_offset_file("none.offset"), replay_progress::position{1, 2, 0, 0});
    bool completed = false;
    p->finish([&](const replay_progress::position&) { completed = true; });
    BOOST_TEST(completed);
}

BOOST_AUTO_TEST_CASE(an_unreadable_offset_file_is_reported_not_trusted) {
    auto path = temp_offset_file("bad.offset");
    std::ofstream(path) << R"({"device":1,"inode":2,"offset":-5,"records":0})";
    std::string error;
    BOOST_TEST(!replay_progress::load(path, error));
    BOOST_TEST(error == path + " is not an offset file ({\"device\",\"inode\",\"offset\",\"records\"})");
    error.clear();
    BOOST_TEST(!replay_progress::load(path + ".missing", error));
    BOOST_TEST(error.empty());  // no file: no progress yet, not an error
}

BOOST_AUTO_TEST_SUITE_END()
