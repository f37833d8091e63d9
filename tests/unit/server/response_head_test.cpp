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

TEST(ResponseHead, AConfidentialAnswerIsNeitherCachedSniffedFramedNorScripted) {
  HttpResponse page = HttpResponse::text(200, "rooms");
  page.confidential = true;
  std::string out;
  append_head(out, page, true);
  EXPECT_NE(out.find("\r\nCache-Control: no-store\r\n"), std::string::npos) << out;
  EXPECT_NE(out.find("\r\nX-Content-Type-Options: nosniff\r\n"), std::string::npos);
  EXPECT_NE(out.find("\r\nX-Frame-Options: DENY\r\n"), std::string::npos);
  EXPECT_NE(out.find("\r\nContent-Security-Policy: default-src 'none'; style-src 'unsafe-inline'; "
                     "frame-ancestors 'none';"),
            std::string::npos);
  out.clear();
  append_head(out, HttpResponse::text(200, "ok"), true);
  EXPECT_EQ(out.find("Cache-Control"), std::string::npos);
}

}  // namespace
}  // namespace ar::server
