#pragma once
// An HTTP request parser (Beast's parser underneath) that keeps only what a webhook needs: the
// method, the target, the Authorization header and the body. They are written into strings the
// connection owns and reuses, so a kept-alive connection parses requests without allocating
// (Beast's request_parser allocated every header field of every request).
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/verb.hpp>
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

  void clear() {
    method = boost::beast::http::verb::unknown;
    method_text.clear();
    target.clear();
    authorization.clear();
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
  explicit RequestParser(RequestParts& parts) : parts_(parts) { parts_.clear(); }

 private:
  using error_code = boost::beast::error_code;
  using string_view = boost::beast::string_view;

  void on_request_impl(boost::beast::http::verb method, string_view method_text, string_view target,
                       int /*version*/, error_code& /*ec*/) override {
    parts_.method = method;
    if (method == boost::beast::http::verb::unknown) parts_.method_text.assign(method_text);
    parts_.target.assign(target);
  }
  void on_response_impl(int /*status*/, string_view /*reason*/, int /*version*/,
                        error_code& /*ec*/) override {}
  void on_field_impl(boost::beast::http::field name, string_view /*name_text*/, string_view value,
                     error_code& /*ec*/) override {
    if (name == boost::beast::http::field::authorization) parts_.authorization.assign(value);
  }
  void on_header_impl(error_code& /*ec*/) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>& length,
                         error_code& /*ec*/) override {
    if (length) parts_.body.reserve(*length);  // bounded by body_limit before this is called
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
};

}  // namespace ar::server
