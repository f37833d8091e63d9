#include "server/framing.hpp"

#include <algorithm>
#include <boost/beast/core/string.hpp>

#include "util/text.hpp"

namespace ar::server {
namespace {

using util::trim;

constexpr Refusal kBareLf{400, "malformed_http", "lines must end with CRLF, not a bare LF"};

// The first LF in `text` at or after `from` that has no CR before it.
bool has_bare_lf(std::string_view text, std::size_t from = 0) {
  for (std::size_t at = text.find('\n', from); at != std::string_view::npos;
       at = text.find('\n', at + 1)) {
    if (at == 0 || text[at - 1] != '\r') return true;
  }
  return false;
}

// "0", "000" or "0;ext": the last chunk, after which the trailer section comes.
bool is_last_chunk(std::string_view line) {
  const std::string_view size = trim(line.substr(0, line.find(';')));
  return !size.empty() && size.find_first_not_of('0') == std::string_view::npos;
}

}  // namespace

HeaderScan scan_header(std::string_view buffered, std::size_t limit, std::size_t& scanned) {
  HeaderScan scan;
  // The header, its final CRLF CRLF included, must fit in `limit` bytes.
  const std::string_view window = buffered.substr(0, std::min(buffered.size(), limit));
  // Three bytes back: the terminator may have started in the part scanned before.
  const std::size_t from = scanned >= 3 ? scanned - 3 : 0;
  const std::size_t end = window.find("\r\n\r\n", from);
  const std::string_view header =
      end == std::string_view::npos ? window : window.substr(0, end + 4);
  if (has_bare_lf(header, from)) {
    scan.state = HeaderScan::State::kRefused;
    scan.refusal = kBareLf;
    return scan;
  }
  scanned = window.size();
  if (end != std::string_view::npos) {
    scan.state = HeaderScan::State::kComplete;
    scan.size = end + 4;
  } else if (buffered.size() >= limit) {
    scan.state = HeaderScan::State::kRefused;
    scan.refusal = {431, "headers_too_large", "request headers are larger than max_header_bytes"};
  }
  return scan;
}

Refusal check_unfinished_chunk(std::string_view unconsumed, std::size_t trailer_limit) {
  std::string_view rest = unconsumed;
  if (rest.starts_with("\r\n")) rest.remove_prefix(2);  // the CRLF after the last chunk's data
  if (has_bare_lf(rest)) return kBareLf;
  const std::size_t line_end = rest.find("\r\n");
  const std::string_view line = rest.substr(0, line_end);
  if (line.size() > kMaxChunkLine) {
    return {400, "malformed_http", "a chunk-size line is longer than 4096 bytes"};
  }
  if (line_end != std::string_view::npos && is_last_chunk(line) &&
      rest.size() - line_end - 2 > trailer_limit) {
    return {431, "headers_too_large", "the chunked trailer is larger than max_header_bytes"};
  }
  return {};
}

Refusal check_request(const RequestParts& parts) {
  if (parts.version >= 11 && parts.host_fields != 1) {
    return {400, "malformed_http",
            parts.host_fields == 0 ? "an HTTP/1.1 request needs a Host header"
                                   : "a request has exactly one Host header"};
  }
  // Of two, a proxy may check one and this service the other: neither is trusted.
  if (parts.authorization_fields > 1) {
    return {400, "malformed_http", "a request has at most one Authorization header"};
  }
  if (!parts.transfer_encoding.empty()) {
    // A list of codings, applied in order; only "chunked", and only once, at the end.
    std::string_view list = parts.transfer_encoding;
    std::size_t chunked = 0;
    bool other = false;
    bool chunked_last = false;
    while (!list.empty()) {
      const std::size_t comma = list.find(',');
      const std::string_view coding = trim(list.substr(0, list.find_first_of(",;")));
      list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
      if (coding.empty()) continue;
      chunked_last = boost::beast::iequals(coding, "chunked");
      if (chunked_last) {
        ++chunked;
      } else {
        other = true;
      }
    }
    if (parts.version < 11 || !chunked_last || chunked > 1 || parts.content_length) {
      return {400, "bad_transfer_encoding",
              "Transfer-Encoding must be \"chunked\", once and last, in HTTP/1.1, without "
              "Content-Length"};
    }
    if (other) {
      return {501, "bad_transfer_encoding", "only the chunked transfer coding is supported"};
    }
  }
  if (!parts.expect.empty() && !boost::beast::iequals(trim(parts.expect), "100-continue")) {
    return {417, "bad_expect", "only Expect: 100-continue is supported"};
  }
  return {};
}

}  // namespace ar::server
