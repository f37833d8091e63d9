#pragma once
// An HTTP request parser (Beast's parser underneath) that keeps only what a webhook needs: the
// method, the target, the Authorization header and the body, and what the framing rules check
// (server/framing.hpp). They are written into strings the connection owns and reuses, so a
// kept-alive connection parses requests without allocating (Beast's request_parser allocated
// every header field of every request). Fields of a chunked trailer are ignored: nothing that
// decides about a request, authentication least of all, may come after its body (RFC 9110
// §6.5.1).
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <limits>
#include <string>
#include <string_view>

namespace ar::server {

// What one request carried; owned by the connection, cleared for each request.
struct RequestParts {
  static constexpr std::size_t kKeptBodyCapacity = std::size_t{64} * 1024;

  boost::beast::http::verb method = boost::beast::http::verb::unknown;
  std::string method_text;  // only for methods Beast does not know
  std::string target;
  std::string authorization;
  std::string body;
  int version = 11;                   // 10 or 11
  unsigned host_fields = 0;           // how many Host fields
  unsigned authorization_fields = 0;  // how many Authorization fields
  bool content_length = false;        // a Content-Length field was present
  std::string transfer_encoding;      // every Transfer-Encoding field, joined with ", "
  std::string expect;                 // the Expect field

  void clear() {
    method = boost::beast::http::verb::unknown;
    method_text.clear();
    target.clear();
    authorization.clear();
    version = 11;
    host_fields = 0;
    authorization_fields = 0;
    content_length = false;
    transfer_encoding.clear();
    expect.clear();
    // A connection that once sent a large body does not keep that much memory for its life.
    if (body.capacity() > kKeptBodyCapacity) {
      std::string().swap(body);
    } else {
      body.clear();
    }
  }
  std::string_view method_name() const {
    return method == boost::beast::http::verb::unknown
               ? std::string_view(method_text)
               : std::string_view(boost::beast::http::to_string(method));
  }
};

class RequestParser : public boost::beast::http::basic_parser<true> {
 public:
  // `trailer_limit`: the most bytes of trailer fields taken before the request is refused with
  // header_limit (their content is ignored, but not their size).
  explicit RequestParser(RequestParts& parts,
                         std::size_t trailer_limit = std::numeric_limits<std::size_t>::max())
      : parts_(parts), trailer_left_(trailer_limit) {
    parts_.clear();
  }

 private:
  using error_code = boost::beast::error_code;
  using string_view = boost::beast::string_view;

  void on_request_impl(boost::beast::http::verb method, string_view method_text, string_view target,
                       int version, error_code& /*ec*/) override {
    parts_.method = method;
    if (method == boost::beast::http::verb::unknown) parts_.method_text.assign(method_text);
    parts_.target.assign(target);
    parts_.version = version;
  }
  void on_response_impl(int /*status*/, string_view /*reason*/, int /*version*/,
                        error_code& /*ec*/) override {}
  void on_field_impl(boost::beast::http::field name, string_view name_text, string_view value,
                     error_code& ec) override {
    using boost::beast::http::field;
    if (header_done_) {  // a trailer field: only its size counts
      const std::size_t size = name_text.size() + value.size() + 4;  // ": " and CRLF
      if (size > trailer_left_) ec = boost::beast::http::error::header_limit;
      trailer_left_ -= std::min(size, trailer_left_);
      return;
    }
    switch (name) {
      case field::authorization:
        parts_.authorization.assign(value);
        ++parts_.authorization_fields;
        break;
      case field::host:
        ++parts_.host_fields;
        break;
      case field::content_length:
        parts_.content_length = true;
        break;
      case field::transfer_encoding:
        if (!parts_.transfer_encoding.empty()) parts_.transfer_encoding += ", ";
        parts_.transfer_encoding.append(value);
        break;
      case field::expect:
        if (!parts_.expect.empty()) parts_.expect += ", ";
        parts_.expect.append(value);
        break;
      default:
        break;
    }
  }
  void on_header_impl(error_code& /*ec*/) override { header_done_ = true; }
  void on_body_init_impl(const boost::optional<std::uint64_t>& length,
                         error_code& /*ec*/) override {
    // Bounded by body_limit before this is called; a larger body grows as it comes, so a client
    // that announces a megabyte and sends a byte a second holds a byte a second.
    if (length)
      parts_.body.reserve(std::min<std::uint64_t>(*length, RequestParts::kKeptBodyCapacity));
  }
  std::size_t on_body_impl(string_view data, error_code& /*ec*/) override {
    parts_.body.append(data);
    return data.size();
  }
  void on_chunk_header_impl(std::uint64_t /*size*/, string_view /*extensions*/,
                            error_code& /*ec*/) override {}
  std::size_t on_chunk_body_impl(std::uint64_t /*remain*/, string_view data,
                                 error_code& /*ec*/) override {
    parts_.body.append(data);
    return data.size();
  }
  void on_finish_impl(error_code& /*ec*/) override {}

  RequestParts& parts_;
  std::size_t trailer_left_;
  bool header_done_ = false;
};

}  // namespace ar::server
