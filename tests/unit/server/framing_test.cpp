#include "server/framing.hpp"

#include <gtest/gtest.h>

#include <string>

namespace ar::server {
namespace {

HeaderScan scan(std::string_view buffered, std::size_t limit) {
  std::size_t scanned = 0;
  return scan_header(buffered, limit, scanned);
}

// A header of exactly `size` bytes, request line to the empty line.
std::string header_of_size(std::size_t size) {
  const std::string start = "GET / HTTP/1.1\r\nHost: x\r\nX-Pad: ";
  return start + std::string(size - start.size() - 4, 'p') + "\r\n\r\n";
}

TEST(ScanHeader, AHeaderOfExactlyTheLimitFitsAndOneByteMoreDoesNot) {
  const HeaderScan fits = scan(header_of_size(16384), 16384);
  ASSERT_EQ(fits.state, HeaderScan::State::kComplete);
  EXPECT_EQ(fits.size, 16384U);
  const HeaderScan over = scan(header_of_size(16385), 16384);
  ASSERT_EQ(over.state, HeaderScan::State::kRefused);
  EXPECT_EQ(over.refusal.status, 431U);
  EXPECT_EQ(over.refusal.label, "headers_too_large");
}

TEST(ScanHeader, WaitsForMoreBelowTheLimitAndRefusesAtIt) {
  EXPECT_EQ(scan("GET / HTTP/1.1\r\nHost: x\r\n", 100).state, HeaderScan::State::kIncomplete);
  const std::string endless = "GET / HTTP/1.1\r\nX-Endless: " + std::string(200, 'a');
  EXPECT_EQ(scan(endless.substr(0, 99), 100).state, HeaderScan::State::kIncomplete);
  EXPECT_EQ(scan(endless.substr(0, 100), 100).state, HeaderScan::State::kRefused);
}

TEST(ScanHeader, TheBodyAfterTheHeaderIsNotPartOfIt) {
  const std::string request = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n";
  const HeaderScan result = scan(request + std::string(500, 'b'), request.size());
  ASSERT_EQ(result.state, HeaderScan::State::kComplete);
  EXPECT_EQ(result.size, request.size());
}

TEST(ScanHeader, FindsATerminatorSplitAcrossReadsWithoutRescanning) {
  const std::string request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  std::size_t scanned = 0;
  for (std::size_t have = 1; have < request.size(); ++have) {
    ASSERT_EQ(scan_header(std::string_view(request).substr(0, have), 1000, scanned).state,
              HeaderScan::State::kIncomplete);
    EXPECT_EQ(scanned, have);
  }
  const HeaderScan done = scan_header(request, 1000, scanned);
  ASSERT_EQ(done.state, HeaderScan::State::kComplete);
  EXPECT_EQ(done.size, request.size());
}

TEST(ScanHeader, ABareLfIsRefusedAtOnce) {
  for (const std::string_view request :
       {"GET / HTTP/1.1\nHost: x\r\n\r\n", "GET / HTTP/1.1\r\nHost: x\n\n", "GET / HTTP/1.1\n"}) {
    const HeaderScan result = scan(request, 1000);
    ASSERT_EQ(result.state, HeaderScan::State::kRefused) << request;
    EXPECT_EQ(result.refusal.status, 400U);
  }
}

TEST(UnfinishedChunk, AChunkLineThatNeverEndsIsRefusedPastTheLineLimit) {
  for (const char* start : {"1;", "0000", "ffff"}) {
    std::string line = start;
    line.resize(kMaxChunkLine, start[0] == '1' ? 'a' : start[0]);
    EXPECT_FALSE(check_unfinished_chunk(line, 16384)) << start;
    line += 'a';
    const Refusal refusal = check_unfinished_chunk(line, 16384);
    EXPECT_EQ(refusal.status, 400U) << start;
    EXPECT_EQ(refusal.label, "malformed_http");
  }
}

TEST(UnfinishedChunk, ABareLfInAChunkLineIsRefusedAtOnce) {
  EXPECT_EQ(check_unfinished_chunk("5\nhello", 100).status, 400U);
  EXPECT_EQ(check_unfinished_chunk("\r\n3\n", 100).status, 400U);
  EXPECT_FALSE(check_unfinished_chunk("\r\n3", 100));
  EXPECT_FALSE(check_unfinished_chunk("\r", 100));
}

TEST(UnfinishedChunk, ATrailerSectionOverTheLimitGets431) {
  const std::string trailer = "0\r\nX-Trailer: " + std::string(100, 't');
  EXPECT_FALSE(check_unfinished_chunk(trailer, 200));
  const Refusal refusal = check_unfinished_chunk(trailer, 50);
  EXPECT_EQ(refusal.status, 431U);
  EXPECT_EQ(refusal.label, "headers_too_large");
  EXPECT_EQ(check_unfinished_chunk("\r\n0;ext=1\r\n" + std::string(60, 't'), 50).status, 431U);
}

RequestParts request(int version, unsigned hosts) {
  RequestParts parts;
  parts.version = version;
  parts.host_fields = hosts;
  return parts;
}

TEST(CheckRequest, Http11NeedsExactlyOneHost) {
  EXPECT_FALSE(check_request(request(11, 1)));
  EXPECT_FALSE(check_request(request(10, 0)));
  EXPECT_EQ(check_request(request(11, 0)).status, 400U);
  EXPECT_EQ(check_request(request(11, 2)).status, 400U);
}

TEST(CheckRequest, TwoAuthorizationHeadersAreRefused) {
  RequestParts parts = request(11, 1);
  parts.authorization_fields = 1;
  EXPECT_FALSE(check_request(parts));
  parts.authorization_fields = 2;
  const Refusal refusal = check_request(parts);
  EXPECT_EQ(refusal.status, 400U);
  EXPECT_EQ(refusal.reason, "a request has at most one Authorization header");
}

TEST(CheckRequest, TransferEncodingIsChunkedOnceAndLastOrRefused) {
  const auto status = [](std::string_view coding, int version = 11, bool length = false) {
    RequestParts parts = request(version, 1);
    parts.transfer_encoding = coding;
    parts.content_length = length;
    return check_request(parts).status;
  };
  EXPECT_EQ(status("chunked"), 0U);
  EXPECT_EQ(status("Chunked"), 0U);
  EXPECT_EQ(status(" chunked "), 0U);
  // RFC 9112 §6.3: chunked not last, or absent, means the length is unknown: 400.
  EXPECT_EQ(status("gzip"), 400U);
  EXPECT_EQ(status("identity"), 400U);
  EXPECT_EQ(status("chunked, gzip"), 400U);
  EXPECT_EQ(status("chunked, chunked"), 400U);
  EXPECT_EQ(status("chunked", 10), 400U);
  EXPECT_EQ(status("chunked", 11, true), 400U);
  // A coding this server does not implement, with chunked last: 501.
  EXPECT_EQ(status("gzip, chunked"), 501U);
  EXPECT_EQ(status("gzip;q=1, chunked"), 501U);
}

TEST(CheckRequest, OnlyExpect100ContinueIsUnderstood) {
  RequestParts parts = request(11, 1);
  parts.expect = "100-continue";
  EXPECT_FALSE(check_request(parts));
  parts.expect = "100-Continue ";
  EXPECT_FALSE(check_request(parts));
  parts.expect = "200-ok";
  EXPECT_EQ(check_request(parts).status, 417U);
}

}  // namespace
}  // namespace ar::server
