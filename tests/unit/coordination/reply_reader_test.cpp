// Replies from Redis within bounds (coordination/reply_reader.hpp): what the recorder receives is
// parsed as hiredis parses it, and a length or a count past the bounds is refused at its header,
// before a byte of what it announces is buffered.
#include "coordination/reply_reader.hpp"

#include <gtest/gtest.h>

#include <string>

namespace ar::coordination {
namespace {

std::vector<Reply> all(ReplyReader& reader) {
  std::vector<Reply> out;
  while (auto reply = reader.next()) out.push_back(std::move(*reply));
  return out;
}

TEST(ReplyReader, ParsesWhatRedisSendsInAnyPieces) {
  const std::string wire =
      "+OK\r\n:42\r\n$5\r\nhello\r\n$-1\r\n*3\r\n$6\r\nmaster\r\n:7\r\n*1\r\n*3\r\n$9\r\n"
      "127.0.0.1\r\n$4\r\n6380\r\n$1\r\n0\r\n-ERR no\r\n*0\r\n";
  for (const std::size_t piece : {std::size_t{1}, std::size_t{3}, wire.size()}) {
    ReplyReader reader;
    std::vector<Reply> replies;
    for (std::size_t at = 0; at < wire.size(); at += piece) {
      reader.feed(std::string_view(wire).substr(at, piece));
      for (Reply& reply : all(reader)) replies.push_back(std::move(reply));
    }
    ASSERT_EQ(replies.size(), 7U) << piece;
    EXPECT_EQ(replies[0].type, Reply::Type::kStatus);
    EXPECT_EQ(replies[1].integer, 42);
    EXPECT_EQ(replies[2].text, "hello");
    EXPECT_EQ(replies[3].type, Reply::Type::kNil);
    ASSERT_EQ(replies[4].elements.size(), 3U);
    EXPECT_EQ(replies[4].elements[2].elements.at(0).elements.at(1).text, "6380");
    EXPECT_EQ(replies[5].type, Reply::Type::kError);
    EXPECT_EQ(replies[6].type, Reply::Type::kArray);
  }
}

TEST(ReplyReader, AHugeLengthOrCountIsRefusedAtItsHeader) {
  // Huge, endless or negative; then lengths the scan could read otherwise than hiredis (found in
  // review): leading zeros past what it keeps of a line, a suffix hiredis reads as nil, none.
  for (const std::string& header :
       {std::string("$2000000000\r\n"), std::string("*2000000000\r\n"),
        std::string("*1\r\n$99999999999999999999999\r\n"), std::string("$-5\r\n"),
        "$" + std::string(23, '0') + "2000000000\r\n", std::string("*0002000000000\r\n"),
        std::string("$13x\r\n"), std::string("$\r\n")}) {
    ReplyReader reader;
    EXPECT_THROW(reader.feed(header), ReplyRefused) << header;
  }
}

// A line ends at CRLF, as hiredis reads it: a lone LF inside a status is part of it, and the scan
// and hiredis agree on where every element ends (found by fuzz_redis_reply).
TEST(ReplyReader, ALoneLineFeedEndsNoLine) {
  ReplyReader reader;
  reader.feed("+a\n*2000000000\r\n*1\r\n:1\r\n");
  const auto replies = all(reader);
  ASSERT_EQ(replies.size(), 2U);
  EXPECT_EQ(replies[0].text, "a\n*2000000000");
  EXPECT_EQ(replies[1].elements.size(), 1U);
}

TEST(ReplyReader, OneReplyIsBoundedWholeButManyFit) {
  const ReplyLimits limits{.max_reply_bytes = 1000, .max_elements = 100, .max_depth = 3};
  const std::string item = "$100\r\n" + std::string(100, 'x') + "\r\n";
  // Ten items of 108 bytes in one array: past 1000 bytes, though each is small.
  ReplyReader big(limits);
  std::string array = "*10\r\n";
  for (int i = 0; i < 10; ++i) array += item;
  EXPECT_THROW(big.feed(array), ReplyRefused);
  // The same bytes as ten replies: each is small, and they are taken one by one.
  ReplyReader many(limits);
  std::string replies;
  for (int i = 0; i < 10; ++i) replies += item;
  many.feed(replies);
  EXPECT_EQ(all(many).size(), 10U);
  // An endless status line, and arrays nested past the depth.
  ReplyReader line(limits);
  EXPECT_THROW(line.feed("+" + std::string(2000, 'a')), ReplyRefused);
  ReplyReader deep(limits);
  EXPECT_THROW(deep.feed("*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n"), ReplyRefused);
  ReplyReader within(limits);
  within.feed("*1\r\n*1\r\n*1\r\n:1\r\n");
  EXPECT_EQ(all(within).size(), 1U);
}

}  // namespace
}  // namespace ar::coordination
