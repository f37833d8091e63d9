#include "server/request_parser.hpp"

#include <gtest/gtest.h>

#include <boost/asio/buffer.hpp>

namespace ar::server {
namespace {

namespace http = boost::beast::http;

// Feeds a whole request to a parser, as the connection does over several reads.
bool parse(RequestParser& parser, std::string_view text) {
  boost::beast::error_code ec;
  parser.eager(true);
  std::size_t used = 0;
  while (!parser.is_done() && used < text.size()) {
    const std::size_t n =
        parser.put(boost::asio::buffer(text.data() + used, text.size() - used), ec);
    if (ec) return false;
    if (n == 0) break;
    used += n;
  }
  if (!parser.is_done()) {
    parser.put_eof(ec);
    if (ec) return false;
  }
  return parser.is_done();
}

TEST(RequestParser, KeepsMethodTargetAuthorizationAndBody) {
  RequestParts parts;
  RequestParser parser(parts);
  ASSERT_TRUE(
      parse(parser,
            "POST /webhook-receiver?x=1 HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer t.o.k\r\n"
            "Content-Type: application/webhook+json\r\nContent-Length: 11\r\n\r\n"
            "{\"id\":\"EV\"}"));
  EXPECT_EQ(parts.method_name(), "POST");
  EXPECT_EQ(parts.target, "/webhook-receiver?x=1");
  EXPECT_EQ(parts.authorization, "Bearer t.o.k");
  EXPECT_EQ(parts.body, "{\"id\":\"EV\"}");
  EXPECT_TRUE(parser.keep_alive());
}

TEST(RequestParser, ChunkedBodiesAreJoined) {
  RequestParts parts;
  RequestParser parser(parts);
  ASSERT_TRUE(parse(parser,
                    "POST /webhook-receiver HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"));
  EXPECT_EQ(parts.body, "abcde");
}

TEST(RequestParser, UnknownMethodsKeepTheirNameAndCloseIsSeen) {
  RequestParts parts;
  RequestParser parser(parts);
  ASSERT_TRUE(
      parse(parser, "BREW /pot HTTP/1.1\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"));
  EXPECT_EQ(parts.method_name(), "BREW");
  EXPECT_TRUE(parts.authorization.empty());
  EXPECT_FALSE(parser.keep_alive());
}

TEST(RequestParser, EachRequestStartsEmptyAndALargeBodyIsNotKeptForTheConnection) {
  RequestParts parts;
  {
    RequestParser first(parts);
    const std::string big(RequestParts::kKeptBodyCapacity * 2, 'x');
    ASSERT_TRUE(parse(first, "POST / HTTP/1.1\r\nAuthorization: a\r\nContent-Length: " +
                                 std::to_string(big.size()) + "\r\n\r\n" + big));
  }
  RequestParser second(parts);
  EXPECT_TRUE(parts.body.empty());
  EXPECT_TRUE(parts.authorization.empty());
  EXPECT_LE(parts.body.capacity(), RequestParts::kKeptBodyCapacity);
  ASSERT_TRUE(parse(second, "GET /livez HTTP/1.1\r\n\r\n"));
  EXPECT_EQ(parts.method_name(), "GET");
  EXPECT_TRUE(parts.body.empty());
}

TEST(RequestParser, NothingInAChunkedTrailerCountsAuthorizationLeast) {
  RequestParts parts;
  RequestParser parser(parts);
  ASSERT_TRUE(parse(parser,
                    "POST /webhook-receiver HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
                    "\r\n3\r\nabc\r\n0\r\nAuthorization: trailer.token\r\nHost: b\r\n"
                    "Expect: 100-continue\r\n\r\n"));
  EXPECT_EQ(parts.body, "abc");
  EXPECT_TRUE(parts.authorization.empty());
  EXPECT_EQ(parts.host_fields, 1U);
  EXPECT_EQ(parts.transfer_encoding, "chunked");
  EXPECT_TRUE(parts.expect.empty());

  RequestParts with_header;
  RequestParser second(with_header);
  ASSERT_TRUE(parse(second,
                    "POST / HTTP/1.1\r\nHost: a\r\nAuthorization: header.token\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n0\r\nAuthorization: trailer.token\r\n\r\n"));
  EXPECT_EQ(with_header.authorization, "header.token");
  EXPECT_EQ(with_header.authorization_fields, 1U);
}

TEST(RequestParser, CountsAuthorizationFields) {
  RequestParts parts;
  RequestParser parser(parts);
  ASSERT_TRUE(parse(parser,
                    "GET / HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer first\r\n"
                    "authorization: Bearer second\r\n\r\n"));
  EXPECT_EQ(parts.authorization_fields, 2U);
  RequestParser next(parts);
  EXPECT_EQ(parts.authorization_fields, 0U);
}

TEST(RequestParser, KeepsWhatTheFramingRulesCheck) {
  RequestParts parts;
  RequestParser parser(parts);
  ASSERT_TRUE(parse(parser,
                    "POST / HTTP/1.0\r\nHost: a\r\nExpect: 100-continue\r\n"
                    "Content-Length: 0\r\n\r\n"));
  EXPECT_EQ(parts.version, 10);
  EXPECT_EQ(parts.host_fields, 1U);
  EXPECT_TRUE(parts.content_length);
  EXPECT_EQ(parts.expect, "100-continue");
  RequestParser next(parts);
  EXPECT_EQ(parts.version, 11);
  EXPECT_EQ(parts.host_fields, 0U);
  EXPECT_TRUE(parts.expect.empty());
}

}  // namespace
}  // namespace ar::server
