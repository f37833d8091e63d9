#include "server/request_reader.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <string_view>

namespace ar::server {

namespace http = boost::beast::http;

namespace {

std::string_view view(const boost::beast::flat_buffer& buffer) {
  return {static_cast<const char*>(buffer.data().data()), buffer.size()};
}

constexpr Refusal kBodyTooLarge{413, "body_too_large",
                                "request body is larger than max_body_bytes"};

}  // namespace

std::size_t buffer_ceiling(const RequestLimits& limits) {
  return limits.max_header_bytes + kMaxChunkLine + 4 + kReadSize;
}

void RequestReader::start() {
  parser_.reset();
  parts_.clear();
  refusal_ = {};
  header_scanned_ = 0;
  body_wire_bytes_ = 0;
}

RequestReader::Step RequestReader::advance(boost::beast::flat_buffer& buffer) {
  if (!parser_) return read_header(buffer);
  return read_body(buffer);
}

RequestReader::Step RequestReader::refuse(const Refusal& refusal) {
  refusal_ = refusal;
  return Step::kRefused;
}

// The header is handed to Beast only once all of it is in the buffer, so its limit is exact.
RequestReader::Step RequestReader::read_header(boost::beast::flat_buffer& buffer) {
  const HeaderScan scan = scan_header(view(buffer), limits_.max_header_bytes, header_scanned_);
  if (scan.state == HeaderScan::State::kRefused) return refuse(scan.refusal);
  if (scan.state == HeaderScan::State::kIncomplete) return Step::kNeedMore;

  parser_.emplace(parts_, limits_.max_header_bytes);
  parser_->body_limit(limits_.max_body_bytes);
  parser_->header_limit(static_cast<std::uint32_t>(limits_.max_header_bytes));
  boost::beast::error_code ec;
  const std::size_t used = parser_->put(boost::asio::buffer(buffer.data().data(), scan.size), ec);
  buffer.consume(used);
  if (!ec && !parser_->is_header_done()) ec = http::error::partial_message;
  if (ec) return refuse_parse_error(ec);
  if (const Refusal refusal = check_request(parts_)) return refuse(refusal);
  if (parser_->is_done()) return Step::kDone;
  parser_->eager(true);
  return Step::kHeaderDone;
}

// Body bytes go to the parser as they come; what it leaves is a chunk-size line or trailer in
// progress, which framing.hpp bounds.
RequestReader::Step RequestReader::read_body(boost::beast::flat_buffer& buffer) {
  while (buffer.size() > 0 && !parser_->is_done()) {
    boost::beast::error_code ec;
    const std::size_t used = parser_->put(buffer.data(), ec);
    buffer.consume(used);
    body_wire_bytes_ += used;
    if (ec == http::error::need_more) break;
    if (ec) return refuse_parse_error(ec);
    if (used == 0) break;
  }
  if (parser_->is_done()) return Step::kDone;
  // Chunk-size lines and extensions count too: a body may not take more than its limit plus a
  // header's worth of framing off the wire.
  if (body_wire_bytes_ > limits_.max_body_bytes + limits_.max_header_bytes) {
    return refuse(kBodyTooLarge);
  }
  if (const Refusal refusal = check_unfinished_chunk(view(buffer), limits_.max_header_bytes)) {
    return refuse(refusal);
  }
  return Step::kNeedMore;
}

RequestReader::Step RequestReader::refuse_parse_error(boost::beast::error_code ec) {
  if (ec == http::error::body_limit) return refuse(kBodyTooLarge);
  if (ec == http::error::header_limit) {
    return refuse({431, "headers_too_large",
                   parser_->is_header_done() ? "the chunked trailer is larger than max_header_bytes"
                                             : "request headers are larger than max_header_bytes"});
  }
  if (ec == http::error::bad_transfer_encoding) {
    return refuse({400, "bad_transfer_encoding",
                   "Transfer-Encoding must be \"chunked\", once, without Content-Length"});
  }
  return refuse({400, "malformed_http", "malformed HTTP request"});
}

}  // namespace ar::server
