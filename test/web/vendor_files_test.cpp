#include "sightline/web/vendor_files.hpp"

#include <boost/test/unit_test.hpp>

using sightline::vendor_file;

BOOST_AUTO_TEST_SUITE(vendor_files_tests)

BOOST_AUTO_TEST_CASE(known_names_map_to_their_node_modules_files) {
    BOOST_TEST(vendor_file("uplot.esm.js").value_or("") == "uplot/dist/uPlot.esm.js");
    BOOST_TEST(vendor_file("uplot.min.css").value_or("") == "uplot/dist/uPlot.min.css");
    BOOST_TEST(vendor_file("dagre.esm.js").value_or("") == "@dagrejs/dagre/dist/dagre.esm.js");
}

BOOST_AUTO_TEST_CASE(anything_else_is_unknown) {
    for (std::string_view name : {"", "uplot", "uplot/dist/uPlot.esm.js", "../package.json", "UPLOT.ESM.JS",
                                  "uplot.esm.js/", "uplot.esm.js.map", "playwright-core/index.mjs"})
        BOOST_TEST(!vendor_file(name).has_value(), name);
}

BOOST_AUTO_TEST_SUITE_END()
