// Boost.URL is used header-only, like Boost.JSON: this is the one translation unit that compiles
// it, so the runtime image needs no Boost shared library.
#include <boost/url/src.hpp>
