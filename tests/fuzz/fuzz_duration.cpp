// Duration parsing; what parses must print back to the same value.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "util/duration.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto parsed = ar::util::parse_duration({reinterpret_cast<const char*>(data), size});
  if (parsed) {
    const auto again = ar::util::parse_duration(ar::util::format_duration(*parsed));
    if (!again || *again != *parsed) std::abort();
  }
  return 0;
}
