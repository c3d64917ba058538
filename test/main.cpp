// The one Boost.Test executable: every suite under test/ links into it.
#define BOOST_TEST_MODULE sightline
#include <boost/test/unit_test.hpp>
