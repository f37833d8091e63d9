// Boost.JSON is used header-only: this is the one translation unit that compiles it, so the
// runtime image needs no Boost shared library.
#include <boost/json/src.hpp>
