// The head of an answer as the connection writes it (server/response_head.hpp).
#include "server/response_head.hpp"

#include <gtest/gtest.h>

namespace ar::server {
namespace {

TEST(ResponseHead, StatusLineHeadersThatAreSetAndTheBodysLength) {
  HttpResponse busy = HttpResponse::text(503, "retry in a moment");
  busy.retry_after = "1";
  std::string out = "kept ";
  append_head(out, busy, true);
  EXPECT_EQ(out,
            "kept HTTP/1.1 503 Service Unavailable\r\nServer: auto-recorder\r\n"
            "Content-Type: text/plain; charset=utf-8\r\nRetry-After: 1\r\n"
            "Content-Length: 18\r\n\r\n");
  HttpResponse refused = HttpResponse::text(405, "use GET");
  refused.allow = "GET, HEAD";
  out.clear();
  append_head(out, refused, false);
  EXPECT_EQ(out,
            "HTTP/1.1 405 Method Not Allowed\r\nServer: auto-recorder\r\n"
            "Content-Type: text/plain; charset=utf-8\r\nAllow: GET, HEAD\r\n"
            "Content-Length: 8\r\nConnection: close\r\n\r\n");
}

}  // namespace
}  // namespace ar::server
