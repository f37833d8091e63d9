// What a Redis server may send (coordination/reply_reader.hpp): any bytes, in any pieces, under
// bounds the first bytes choose. The reader either parses, refuses (ReplyRefused) or says it is
// not the protocol; it never crashes, leaks or hands out a reply past its bounds.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string_view>

#include "coordination/reply_reader.hpp"

namespace {

// Every array of the reply within the bounds, nested ones too.
void check(const ar::coordination::Reply& reply, const ar::coordination::ReplyLimits& limits,
           std::size_t depth) {
  if (reply.elements.size() > limits.max_elements || depth > limits.max_depth + 1) std::abort();
  for (const auto& element : reply.elements) check(element, limits, depth + 1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 4) return 0;
  const ar::coordination::ReplyLimits limits{.max_reply_bytes = 64 + std::size_t{data[0]} * 16,
                                             .max_elements = 1 + std::size_t{data[1]} % 64,
                                             .max_depth = 1 + std::size_t{data[2]} % 7};
  const std::size_t piece = 1 + data[3] % 32;
  const std::string_view bytes(reinterpret_cast<const char*>(data + 4), size - 4);
  ar::coordination::ReplyReader reader(limits);
  try {
    for (std::size_t at = 0; at < bytes.size(); at += piece) {
      reader.feed(bytes.substr(at, piece));
      while (const auto reply = reader.next()) check(*reply, limits, 1);
    }
  } catch (const std::runtime_error&) {
    // Refused, or not Redis's protocol: the connection would be closed.
  }
  return 0;
}
