#pragma once
// HTTP/1.1 framing rules the connection enforces around Beast's parser (RFC 9110, RFC 9112):
// an exact header limit, bounded chunk-size lines and trailers, no bare LF, Transfer-Encoding
// only as a final "chunked", Host in HTTP/1.1, and Expect. Pure functions over bytes and the
// parsed request, so every rule has a unit test.
#include <cstddef>
#include <string_view>

#include "server/request_parser.hpp"

namespace ar::server {

// Why a request is refused before any route sees it; the connection is closed after the answer.
struct Refusal {
  unsigned status = 0;     // 0: nothing wrong
  std::string_view label;  // auto_recorder_webhooks_rejected_total{reason}
  std::string_view reason;
  explicit operator bool() const { return status != 0; }
};

// A chunk-size line (size and extensions, without its CRLF) longer than this is refused (400).
inline constexpr std::size_t kMaxChunkLine = 4096;

// Where the header of the request at the start of `buffered` ends. `scanned`: how many bytes an
// earlier call already looked at (they are not looked at again); updated.
struct HeaderScan {
  enum class State { kIncomplete, kComplete, kRefused };
  State state = State::kIncomplete;
  std::size_t size = 0;  // kComplete: the header's bytes, request line to the empty line
  Refusal refusal;
};
HeaderScan scan_header(std::string_view buffered, std::size_t limit, std::size_t& scanned);

// The bytes Beast's parser left while it waits for more of a chunked body: the start of a
// chunk-size line, or the last chunk and part of the trailer section.
Refusal check_unfinished_chunk(std::string_view unconsumed, std::size_t trailer_limit);

// The header's rules Beast leaves to the server: Host, Transfer-Encoding, Expect.
Refusal check_request(const RequestParts& parts);

}  // namespace ar::server
