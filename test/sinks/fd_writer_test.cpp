#include "sightline/sinks/fd_writer.hpp"
#include "../support/test_support.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

using sightline::fd_writer;
using sightline::line_batch;

namespace {

using sightline::test::temp_dir;

using sightline::test::read_file;

line_batch make_batch(const std::vector<std::string>& lines) {
    line_batch b;
    for (const auto& l : lines) b.append(l);
    return b;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fd_writer_tests)

BOOST_AUTO_TEST_CASE(lines_are_buffered_until_flush_and_written_with_newlines) {
    temp_dir dir;
    const auto path = dir.file("out.log");
    auto w = fd_writer::open_append(path, 4096);
    BOOST_TEST(std::filesystem::exists(path));  // created at open
    BOOST_TEST(w.write(make_batch({"a", "bc", ""})));
    BOOST_TEST(read_file(path) == "");
    BOOST_TEST(w.lines_buffered() == 3u);
    BOOST_TEST(w.lines_written() == 0u);
    BOOST_TEST(w.bytes_written() == 0u);
    BOOST_TEST(w.flush());
    BOOST_TEST(read_file(path) == "a\nbc\n\n");
    BOOST_TEST(w.lines_buffered() == 0u);
    BOOST_TEST(w.lines_written() == 3u);
    BOOST_TEST(w.bytes_written() == 6u);
    BOOST_TEST(w.lines_failed() == 0u);
    BOOST_TEST(w.last_error() == "");
    BOOST_TEST(w.flush());  // nothing to flush is a success
    BOOST_TEST(w.bytes_written() == 6u);
}

BOOST_AUTO_TEST_CASE(full_buffer_goes_to_the_kernel_without_flush) {
    temp_dir dir;
    const auto path = dir.file("out.log");
    {
        auto w = fd_writer::open_append(path, 10);
        BOOST_TEST(w.write(make_batch({"12345", "678"})));  // exactly 10 bytes: full
        BOOST_TEST(read_file(path) == "12345\n678\n");
        BOOST_TEST(w.lines_written() == 2u);
        BOOST_TEST(w.bytes_written() == 10u);
        BOOST_TEST(w.lines_buffered() == 0u);

        BOOST_TEST(w.write(make_batch({"abcdefgh"})));  // 9 bytes: fits, stays buffered
        BOOST_TEST(w.lines_buffered() == 1u);
        BOOST_TEST(read_file(path) == "12345\n678\n");

        BOOST_TEST(w.write(make_batch({"x"})));  // would overflow: the buffer goes first
        BOOST_TEST(read_file(path) == "12345\n678\nabcdefgh\n");
        BOOST_TEST(w.lines_written() == 3u);
        BOOST_TEST(w.bytes_written() == 19u);
        BOOST_TEST(w.lines_buffered() == 1u);
    }
    // The destructor flushes what is left.
    BOOST_TEST(read_file(path) == "12345\n678\nabcdefgh\nx\n");
}

BOOST_AUTO_TEST_CASE(line_longer_than_the_buffer_is_written_whole) {
    temp_dir dir;
    const auto path = dir.file("out.log");
    auto w = fd_writer::open_append(path, 4);
    BOOST_TEST(w.write(make_batch({"ab", "abcdefgh"})));
    BOOST_TEST(read_file(path) == "ab\nabcdefgh\n");
    BOOST_TEST(w.lines_written() == 2u);
    BOOST_TEST(w.bytes_written() == 12u);
}

BOOST_AUTO_TEST_CASE(open_in_a_missing_directory_throws_naming_the_path) {
    temp_dir dir;
    const auto path = dir.file("missing/sub/out.log");
    BOOST_CHECK_EXCEPTION(fd_writer::open_append(path, 4096), std::runtime_error, [&](const std::runtime_error& e) {
        std::string what = e.what();
        BOOST_TEST(what == "cannot open output file " + path + ": No such file or directory");
        return what.find(path) != std::string::npos;
    });
    BOOST_TEST(!std::filesystem::exists(dir.path / "missing"));
}

BOOST_AUTO_TEST_CASE(append_mode_keeps_existing_content) {
    temp_dir dir;
    const auto path = dir.file("out.log");
    std::ofstream(path, std::ios::binary) << "old line\n";
    {
        auto w = fd_writer::open_append(path, 4096);
        BOOST_TEST(w.write(make_batch({"new 1"})));
        BOOST_TEST(w.flush());
        BOOST_TEST(w.bytes_written() == 6u);
    }
    {
        auto w = fd_writer::open_append(path, 4096);
        BOOST_TEST(w.write(make_batch({"new 2"})));
    }
    BOOST_TEST(read_file(path) == "old line\nnew 1\nnew 2\n");
}

BOOST_AUTO_TEST_CASE(bytes_pass_through_exactly) {
    temp_dir dir;
    const auto path = dir.file("out.log");
    const std::string odd("\xff\x00\r\xc3(", 5);
    {
        auto w = fd_writer::open_append(path, 4096);
        BOOST_TEST(w.write(make_batch({odd})));
        BOOST_TEST(w.flush());
        BOOST_TEST(w.bytes_written() == 6u);
    }
    BOOST_TEST(read_file(path) == odd + "\n");
}

BOOST_AUTO_TEST_CASE(writing_to_dev_full_fails_and_counts_the_lines) {
    auto w = fd_writer::open_append("/dev/full", 1024);
    BOOST_TEST(w.write(make_batch({"a", "b"})));  // buffered: nothing reached the kernel yet
    BOOST_TEST(w.flush() == false);
    BOOST_TEST(w.lines_failed() == 2u);
    BOOST_TEST(w.lines_written() == 0u);
    BOOST_TEST(w.bytes_written() == 0u);
    BOOST_TEST(w.lines_buffered() == 0u);
    BOOST_TEST(!w.last_error().empty());
    BOOST_TEST(w.last_error() == "No space left on device");
}

BOOST_AUTO_TEST_CASE(write_reports_failure_when_the_buffer_fills_on_dev_full) {
    auto w = fd_writer::open_append("/dev/full", 8);
    // "abc\n" goes to the kernel when "defgh" does not fit, "defgh\n" when "ij" does
    // not; both writes fail and "ij\n" stays buffered.
    BOOST_TEST(w.write(make_batch({"abc", "defgh", "ij"})) == false);
    BOOST_TEST(w.lines_failed() == 2u);
    BOOST_TEST(w.lines_buffered() == 1u);
    BOOST_TEST(w.lines_written() == 0u);
    BOOST_TEST(w.last_error() == "No space left on device");
    BOOST_TEST(w.flush() == false);
    BOOST_TEST(w.lines_failed() == 3u);
    BOOST_TEST(w.lines_buffered() == 0u);
}

BOOST_AUTO_TEST_CASE(borrowed_fd_is_written_and_left_open) {
    int fds[2];
    BOOST_REQUIRE(::pipe(fds) == 0);
    {
        auto w = fd_writer::borrow(fds[1], 4096);
        BOOST_TEST(w.write(make_batch({"to", "pipe"})));
        BOOST_TEST(w.flush());
        BOOST_TEST(w.lines_written() == 2u);
        BOOST_TEST(w.bytes_written() == 8u);
        BOOST_TEST(w.reopen());  // no-op for a borrowed fd
    }
    BOOST_TEST(::fcntl(fds[1], F_GETFD) != -1);  // still open after the writer is gone
    char buf[32] = {};
    auto n = ::read(fds[0], buf, sizeof buf);
    BOOST_TEST(n == 8);
    BOOST_TEST(std::string(buf, 8) == "to\npipe\n");
    ::close(fds[0]);
    ::close(fds[1]);
}

BOOST_AUTO_TEST_CASE(reopen_follows_a_rotated_path) {
    temp_dir dir;
    const auto path = dir.file("out.log");
    auto w = fd_writer::open_append(path, 4096);
    BOOST_TEST(w.write(make_batch({"before"})));
    std::filesystem::rename(path, dir.file("out.log.1"));
    BOOST_TEST(w.reopen());  // flushes into the old file, then opens a new one
    BOOST_TEST(w.write(make_batch({"after"})));
    BOOST_TEST(w.flush());
    BOOST_TEST(read_file(dir.file("out.log.1")) == "before\n");
    BOOST_TEST(read_file(path) == "after\n");
    BOOST_TEST(w.lines_written() == 2u);
}

BOOST_AUTO_TEST_CASE(moved_writer_keeps_buffer_and_counters) {
    temp_dir dir;
    const auto path = dir.file("out.log");
    auto a = fd_writer::open_append(path, 4096);
    BOOST_TEST(a.write(make_batch({"one"})));
    BOOST_TEST(a.flush());
    BOOST_TEST(a.write(make_batch({"two"})));
    fd_writer b(std::move(a));
    BOOST_TEST(b.lines_written() == 1u);
    BOOST_TEST(b.lines_buffered() == 1u);
    BOOST_TEST(b.flush());
    BOOST_TEST(read_file(path) == "one\ntwo\n");
    BOOST_TEST(b.lines_written() == 2u);
}

BOOST_AUTO_TEST_CASE(failed_lines_are_kept_for_the_caller_not_lost) {
    auto w = fd_writer::open_append("/dev/full", 4096);
    BOOST_TEST(w.write(make_batch({"a", "bc"})));  // buffered: nothing failed yet
    BOOST_TEST(!w.flush());
    BOOST_TEST(w.failing());
    BOOST_TEST(w.last_error() == std::strerror(ENOSPC));
    BOOST_TEST(w.lines_failed() == 2u);
    BOOST_TEST(w.lines_written() == 0u);
    auto failed = w.take_failed();
    BOOST_TEST_REQUIRE(failed.size() == 2u);
    BOOST_TEST(failed.text(0) == "a");
    BOOST_TEST(failed.text(1) == "bc");
    BOOST_TEST(w.take_failed().empty());  // handed over once
}

BOOST_AUTO_TEST_CASE(a_failing_path_is_written_again_once_it_works) {
    temp_dir dir;
    const auto path = dir.file("out.log");
    std::filesystem::create_symlink("/dev/full", path);
    auto w = fd_writer::open_append(path, 4096);
    BOOST_TEST(w.write(make_batch({"lost"})));
    BOOST_TEST(!w.flush());
    // The operator points the path at a working file: the next flush opens it afresh.
    std::filesystem::remove(path);
    BOOST_TEST(w.write(make_batch({"kept"})));
    BOOST_TEST(w.flush());
    BOOST_TEST(!w.failing());
    BOOST_TEST(read_file(path) == "kept\n");
    BOOST_TEST(w.take_failed().text(0) == "lost");
    BOOST_TEST(w.lines_written() == 1u);
    BOOST_TEST(w.lines_failed() == 1u);
}

BOOST_AUTO_TEST_CASE(a_line_the_kernel_took_only_in_part_counts_as_failed) {
    int fds[2];
    BOOST_TEST_REQUIRE(::pipe2(fds, O_NONBLOCK) == 0);
    BOOST_TEST_REQUIRE(::fcntl(fds[1], F_SETPIPE_SZ, 4096) >= 4096);
    const long capacity = ::fcntl(fds[1], F_GETPIPE_SZ);
    {
        auto w = fd_writer::borrow(fds[1], 1 << 20);
        // Lines of 1000 bytes + newline: the pipe takes `capacity` bytes, then EAGAIN.
        const std::string line(1000, 'x');
        const std::size_t lines = static_cast<std::size_t>(capacity) / 1001 + 2;
        BOOST_TEST(w.write(make_batch(std::vector<std::string>(lines, line))));
        BOOST_TEST(!w.flush());
        const std::size_t whole = static_cast<std::size_t>(capacity) / 1001;
        BOOST_TEST(w.lines_written() == whole);
        BOOST_TEST(w.bytes_written() == static_cast<std::uint64_t>(capacity));
        BOOST_TEST(w.lines_failed() == lines - whole);
        BOOST_TEST(w.take_failed().size() == lines - whole);
    }
    ::close(fds[0]);
    ::close(fds[1]);
}

BOOST_AUTO_TEST_SUITE_END()
