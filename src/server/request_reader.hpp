#pragma once
// Reads one request at a time out of a connection's buffer: the framing rules of
// server/framing.hpp around Beast's parser (server/request_parser.hpp). Knows bytes, not sockets:
// the connection reads from the network, hands the bytes over and does what the reader says.
// Whatever a client sends, the buffer never has to hold more than buffer_ceiling() bytes.
#include <boost/beast/core/flat_buffer.hpp>
#include <cstddef>
#include <optional>

#include "server/framing.hpp"
#include "server/request_parser.hpp"

namespace ar::server {

struct RequestLimits {
  std::size_t max_body_bytes = std::size_t{1024} * 1024;
  std::size_t max_header_bytes = std::size_t{16} * 1024;
};

// What one read from the network may add to a connection's buffer.
inline constexpr std::size_t kReadSize = std::size_t{16} * 1024;

// The most a connection buffers besides the body: a header, or a chunk-size line and a trailer
// section, and one read.
std::size_t buffer_ceiling(const RequestLimits& limits);

class RequestReader {
 public:
  enum class Step {
    kNeedMore,    // read more into the buffer, then advance again
    kHeaderDone,  // the header is in and a body follows: its timeout starts; advance again
    kDone,        // parts() holds the whole request
    kRefused,     // answer refusal() and close the connection
  };

  explicit RequestReader(RequestLimits limits) : limits_(limits) {}

  // Forgets the last request; the next bytes of the buffer start a new one.
  void start();
  // Takes what it can of the request at the front of `buffer`, consuming what it used.
  Step advance(boost::beast::flat_buffer& buffer);

  const RequestParts& parts() const { return parts_; }
  const Refusal& refusal() const { return refusal_; }
  bool keep_alive() const { return parser_ && parser_->keep_alive(); }
  // The client sent "Expect: 100-continue" and waits for an interim answer before its body.
  bool wants_continue() const { return !parts_.expect.empty() && parts_.version >= 11; }

 private:
  Step refuse(const Refusal& refusal);
  Step refuse_parse_error(boost::beast::error_code ec);
  Step read_header(boost::beast::flat_buffer& buffer);
  Step read_body(boost::beast::flat_buffer& buffer);

  RequestLimits limits_;
  RequestParts parts_;  // its strings keep their capacity from request to request
  std::optional<RequestParser> parser_;
  Refusal refusal_;
  std::size_t header_scanned_ = 0;   // bytes of the current header already scanned
  std::size_t body_wire_bytes_ = 0;  // bytes of the current body, framing included
};

}  // namespace ar::server
