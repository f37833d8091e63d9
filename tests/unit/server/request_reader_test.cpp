#include "server/request_reader.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

namespace ar::server {
namespace {

using Step = RequestReader::Step;

// A connection's view: bytes arrive `piece` at a time; every step the reader takes is recorded.
struct Connection {
  explicit Connection(RequestLimits limits)
      : limits(limits), buffer(buffer_ceiling(limits)), reader(limits) {
    reader.start();
  }

  // Feeds `bytes`; returns the steps up to the first kDone or kRefused (or all bytes used).
  std::vector<Step> feed(std::string_view bytes, std::size_t piece = 1 << 20) {
    std::vector<Step> steps;
    std::size_t fed = 0;
    for (;;) {
      const Step step = reader.advance(buffer);
      steps.push_back(step);
      max_buffered = std::max(max_buffered, buffer.size());
      if (step == Step::kDone || step == Step::kRefused) return steps;
      if (step == Step::kNeedMore) {
        if (fed == bytes.size()) return steps;
        const std::size_t n =
            std::min({piece, bytes.size() - fed, buffer.max_size() - buffer.size()});
        std::memcpy(buffer.prepare(n).data(), bytes.data() + fed, n);
        buffer.commit(n);
        fed += n;
      }
    }
  }

  RequestLimits limits;
  boost::beast::flat_buffer buffer;
  RequestReader reader;
  std::size_t max_buffered = 0;
};

TEST(RequestReader, ReadsARequestWhicheverWayItsBytesArrive) {
  const std::string request =
      "POST /webhook-receiver HTTP/1.1\r\nHost: x\r\nAuthorization: t.o.k\r\n"
      "Transfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-T: 1\r\n\r\n";
  for (const std::size_t piece : {1UL, 2UL, 7UL, 4096UL}) {
    Connection conn({});
    const std::vector<Step> steps = conn.feed(request, piece);
    ASSERT_EQ(steps.back(), Step::kDone) << piece;
    EXPECT_EQ(conn.reader.parts().body, "abcde");
    EXPECT_EQ(conn.reader.parts().authorization, "t.o.k");
    EXPECT_TRUE(conn.reader.keep_alive());
  }
}

TEST(RequestReader, SaysWhenTheHeaderIsInAndTheClientWaitsFor100Continue) {
  Connection conn({});
  const std::vector<Step> steps =
      conn.feed("POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n");
  EXPECT_EQ(steps, (std::vector<Step>{Step::kNeedMore, Step::kHeaderDone, Step::kNeedMore}));
  EXPECT_TRUE(conn.reader.wants_continue());
  EXPECT_EQ(conn.feed("{}").back(), Step::kDone);
  EXPECT_EQ(conn.reader.parts().body, "{}");
}

TEST(RequestReader, PipelinedRequestsAreReadOneAfterTheOther) {
  Connection conn({});
  EXPECT_EQ(
      conn.feed("HEAD /livez HTTP/1.1\r\nHost: x\r\n\r\nGET /readyz HTTP/1.1\r\nHost: x\r\n\r\n")
          .back(),
      Step::kDone);
  EXPECT_EQ(conn.reader.parts().target, "/livez");
  EXPECT_EQ(conn.reader.parts().method, boost::beast::http::verb::head);
  conn.reader.start();
  EXPECT_EQ(conn.feed("").back(), Step::kDone);
  EXPECT_EQ(conn.reader.parts().target, "/readyz");
  EXPECT_EQ(conn.buffer.size(), 0U);
}

TEST(RequestReader, TheBufferStaysUnderItsCeilingWhateverTheClientSends) {
  const RequestLimits limits{.max_body_bytes = 4096, .max_header_bytes = 1024};
  const std::string endless_line =
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1;" +
      std::string(100000, 'a');
  const std::string endless_header = "GET / HTTP/1.1\r\nX: " + std::string(100000, 'h');
  const std::string endless_trailer =
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: " +
      std::string(100000, 't');
  const std::string tiny_chunks = [] {
    std::string text = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 3000; ++i) text += "1;" + std::string(100, 'e') + "\r\nx\r\n";
    return text;
  }();
  for (const auto& [bytes, status] :
       std::vector<std::pair<std::string, unsigned>>{{endless_line, 400U},
                                                     {endless_header, 431U},
                                                     {endless_trailer, 431U},
                                                     {tiny_chunks, 413U}}) {
    for (const std::size_t piece : {1UL, 1000UL, kReadSize}) {
      Connection conn(limits);
      ASSERT_EQ(conn.feed(bytes, piece).back(), Step::kRefused);
      EXPECT_EQ(conn.reader.refusal().status, status);
      EXPECT_LE(conn.max_buffered, buffer_ceiling(limits));
    }
  }
}

TEST(RequestReader, RefusesWhatFramingForbids) {
  const auto refusal = [](std::string_view bytes) {
    Connection conn({});
    EXPECT_EQ(conn.feed(bytes).back(), Step::kRefused) << bytes;
    return conn.reader.refusal().status;
  };
  EXPECT_EQ(refusal("GET / HTTP/1.1\r\n\r\n"), 400U);
  EXPECT_EQ(refusal("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\nGET /metrics "
                    "HTTP/1.1\r\nHost: x\r\n\r\n"),
            400U);
  EXPECT_EQ(refusal("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n"), 413U);
  EXPECT_EQ(refusal("GARBAGE\r\n\r\n"), 400U);
}

}  // namespace
}  // namespace ar::server
