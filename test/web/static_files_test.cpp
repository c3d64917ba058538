#include "sightline/web/static_files.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using sightline::content_type_for;
using sightline::percent_decode;
using sightline::resolve_static_path;

namespace {

/// A fresh directory under /tmp, removed with everything in it at scope exit.
struct temp_dir {
    fs::path path;
    temp_dir() {
        char tmpl[] = "/tmp/sightline_static_test_XXXXXX";
        if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
        path = fs::canonical(tmpl);
    }
    ~temp_dir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;

    fs::path write(const fs::path& rel, const std::string& content) const {
        auto p = path / rel;
        fs::create_directories(p.parent_path());
        std::ofstream(p, std::ios::binary) << content;
        return p;
    }
};

/// A document root `<tmp>/root` with a few files, plus files and a directory beside
/// it (outside the root) that escape attempts would reach if they were not refused.
struct site {
    temp_dir tmp;
    fs::path root = tmp.path / "root";
    site() {
        tmp.write("root/index.html", "<h1>home</h1>");
        tmp.write("root/app.js", "export {};");
        tmp.write("root/my file.txt", "spaced");
        tmp.write("root/js/lib/chart.js", "// chart");
        tmp.write("root/docs/index.html", "<h1>docs</h1>");
        tmp.write("root/a/keep.txt", "a");
        fs::create_directories(root / "empty");
        tmp.write("x", "secret outside the root");
        tmp.write("outside/inner.txt", "also outside");
        fs::create_symlink(tmp.path / "x", root / "leak");
        fs::create_symlink(tmp.path / "outside", root / "leakdir");
        fs::create_symlink(root / "index.html", root / "alias.html");
    }
    std::optional<fs::path> resolve(std::string_view target) const { return resolve_static_path(root, target); }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(static_files_tests)

BOOST_AUTO_TEST_CASE(slash_maps_to_index_html) {
    site s;
    auto p = s.resolve("/");
    BOOST_TEST_REQUIRE(p.has_value());
    BOOST_TEST(*p == s.root / "index.html");
    // A directory target with a trailing slash serves that directory's index.html.
    auto docs = s.resolve("/docs/");
    BOOST_TEST_REQUIRE(docs.has_value());
    BOOST_TEST(*docs == s.root / "docs" / "index.html");
}

BOOST_AUTO_TEST_CASE(plain_and_nested_files_resolve_inside_the_root) {
    site s;
    auto app = s.resolve("/app.js");
    BOOST_TEST_REQUIRE(app.has_value());
    BOOST_TEST(*app == s.root / "app.js");
    auto chart = s.resolve("/js/lib/chart.js");
    BOOST_TEST_REQUIRE(chart.has_value());
    BOOST_TEST(*chart == s.root / "js" / "lib" / "chart.js");
    auto index = s.resolve("/index.html");
    BOOST_TEST_REQUIRE(index.has_value());
    BOOST_TEST(*index == s.root / "index.html");
    // Escapes are decoded before the lookup.
    auto spaced = s.resolve("/my%20file.txt");
    BOOST_TEST_REQUIRE(spaced.has_value());
    BOOST_TEST(*spaced == s.root / "my file.txt");
    // A symlink that stays inside the root is followed to its target.
    auto alias = s.resolve("/alias.html");
    BOOST_TEST_REQUIRE(alias.has_value());
    BOOST_TEST(*alias == s.root / "index.html");
}

BOOST_AUTO_TEST_CASE(query_string_and_fragment_are_ignored) {
    site s;
    for (std::string_view target : {"/?v=2", "/index.html?x=1&y=../../etc/passwd", "/index.html#top", "/?"}) {
        BOOST_TEST_CONTEXT("target " << target) {
            auto p = s.resolve(target);
            BOOST_TEST_REQUIRE(p.has_value());
            BOOST_TEST(*p == s.root / "index.html");
        }
    }
    auto js = s.resolve("/js/lib/chart.js?cache=bust%zz");
    BOOST_TEST_REQUIRE(js.has_value());
    BOOST_TEST(*js == s.root / "js" / "lib" / "chart.js");
}

BOOST_AUTO_TEST_CASE(every_escape_attempt_is_refused) {
    site s;
    // The file <tmp>/x exists, so a refusal here is the guard's doing, not a missing file.
    BOOST_TEST_REQUIRE(fs::is_regular_file(s.tmp.path / "x"));
    BOOST_TEST_REQUIRE(fs::is_directory(s.root / "a"));
    for (std::string_view target : {
             "/../x",
             "/..",
             "/%2e%2e/x",
             "/%2E%2E/x",
             "/%2E%2E%2Fx",
             "/%2e%2e%2fx",
             "/.%2e/x",
             "/a/../../x",
             "/a/%2e%2e/%2e%2e/x",
             "/a/../index.html",  // even ".." that would stay inside is refused outright
             "//etc/passwd",
             "//x",
             "/..\\x",
             "/a\\..\\..\\x",
             "/%5c..%5cx",
             "/%5C..%5Cx",
             "/index.html%00",
             "/index.html%00.js",
             "/%00",
             "/%4",
             "/index.html%4",
             "/%zz",
             "/%z1",
             "/%1z",
             "/index.html%",
             "index.html",
             "",
             "../x",
             "http://localhost/index.html",
         }) {
        BOOST_TEST_CONTEXT("target \"" << target << "\"") {
            auto p = s.resolve(target);
            BOOST_TEST(!p.has_value());
        }
    }
}

BOOST_AUTO_TEST_CASE(symlink_inside_the_root_that_points_outside_is_refused) {
    site s;
    // The links really exist and lead out of the root.
    BOOST_TEST_REQUIRE(fs::is_symlink(s.root / "leak"));
    BOOST_TEST_REQUIRE(fs::is_regular_file(s.root / "leak"));
    BOOST_TEST_REQUIRE(fs::is_regular_file(s.root / "leakdir" / "inner.txt"));
    BOOST_TEST(!s.resolve("/leak").has_value());
    BOOST_TEST(!s.resolve("/leakdir/inner.txt").has_value());
    BOOST_TEST(!s.resolve("/leakdir/").has_value());
}

BOOST_AUTO_TEST_CASE(directories_and_missing_files_are_not_served) {
    site s;
    BOOST_TEST(!s.resolve("/empty").has_value());
    BOOST_TEST(!s.resolve("/empty/").has_value());  // no index.html inside
    BOOST_TEST(!s.resolve("/js").has_value());
    BOOST_TEST(!s.resolve("/js/lib").has_value());
    BOOST_TEST(!s.resolve("/.").has_value());
    BOOST_TEST(!s.resolve("/missing.html").has_value());
    BOOST_TEST(!s.resolve("/js/missing.js").has_value());
    BOOST_TEST(!s.resolve("/index.html/").has_value());
    // A root that does not exist serves nothing.
    BOOST_TEST(!resolve_static_path(s.tmp.path / "no_such_root", "/").has_value());
    // A root that is itself a symlink is fine: containment is judged on canonical paths.
    fs::create_directory_symlink(s.root, s.tmp.path / "root_link");
    auto via_link = resolve_static_path(s.tmp.path / "root_link", "/js/lib/chart.js");
    BOOST_TEST_REQUIRE(via_link.has_value());
    BOOST_TEST(*via_link == s.root / "js" / "lib" / "chart.js");
}

BOOST_AUTO_TEST_CASE(percent_decode_decodes_escapes_and_refuses_malformed_ones) {
    BOOST_TEST(percent_decode("").value_or("?") == "");
    BOOST_TEST(percent_decode("plain/path.js").value_or("?") == "plain/path.js");
    BOOST_TEST(percent_decode("a%20b").value_or("?") == "a b");
    BOOST_TEST(percent_decode("%2e%2E%2f%2F").value_or("?") == "..//");
    BOOST_TEST(percent_decode("%41").value_or("?") == "A");
    BOOST_TEST(percent_decode("x%41").value_or("?") == "xA");
    BOOST_TEST(percent_decode("%e2%9c%93").value_or("?") == "\xe2\x9c\x93");
    BOOST_TEST(percent_decode("a+b").value_or("?") == "a+b");  // '+' is a query-string rule, not a path one
    BOOST_TEST(percent_decode("%25zz").value_or("?") == "%zz");  // decoded once, not twice
    auto nul = percent_decode("a%00b");
    BOOST_TEST_REQUIRE(nul.has_value());
    BOOST_TEST(*nul == std::string("a\0b", 3));
    for (std::string_view bad : {"%", "%4", "a%4", "%zz", "%g0", "%0g", "%%", "%%41", "abc%", "%4%41"}) {
        BOOST_TEST_CONTEXT("input \"" << bad << "\"") { BOOST_TEST(!percent_decode(bad).has_value()); }
    }
}

BOOST_AUTO_TEST_CASE(content_types_by_extension) {
    BOOST_TEST(content_type_for("index.html") == "text/html; charset=utf-8");
    BOOST_TEST(content_type_for("/srv/static/js/app.js") == "text/javascript; charset=utf-8");
    BOOST_TEST(content_type_for("mod.mjs") == "text/javascript; charset=utf-8");
    BOOST_TEST(content_type_for("style.css") == "text/css; charset=utf-8");
    BOOST_TEST(content_type_for("data.json") == "application/json");
    BOOST_TEST(content_type_for("logo.svg") == "image/svg+xml");
    BOOST_TEST(content_type_for("favicon.png") == "image/png");
    BOOST_TEST(content_type_for("archive.tar.gz") == "application/octet-stream");
    BOOST_TEST(content_type_for("README") == "application/octet-stream");
}

BOOST_AUTO_TEST_SUITE_END()
