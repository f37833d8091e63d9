#include "coordination/reply_reader.hpp"

#include <hiredis/hiredis.h>

#include <charconv>
#include <utility>

namespace ar::coordination {
namespace {

// A header's type and its number are in its first characters; the rest of a status or an error
// line is only counted.
constexpr std::size_t kKeptHeader = 24;

Reply convert(const redisReply& raw) {
  Reply reply;
  switch (raw.type) {
    case REDIS_REPLY_STRING:
      reply.type = Reply::Type::kString;
      break;
    case REDIS_REPLY_STATUS:
      reply.type = Reply::Type::kStatus;
      break;
    case REDIS_REPLY_ERROR:
      reply.type = Reply::Type::kError;
      break;
    case REDIS_REPLY_INTEGER:
      reply.type = Reply::Type::kInteger;
      reply.integer = raw.integer;
      return reply;
    case REDIS_REPLY_ARRAY:
      reply.type = Reply::Type::kArray;
      for (std::size_t i = 0; i < raw.elements; ++i) {
        reply.elements.push_back(convert(*raw.element[i]));  // NOLINT(*-pointer-arithmetic)
      }
      return reply;
    default:
      reply.type = Reply::Type::kNil;
      return reply;
  }
  reply.text.assign(raw.str, raw.len);
  return reply;
}

}  // namespace

void ReplyReader::Deleter::operator()(redisReader* reader) const {
  redisReaderFree(reader);
}

ReplyReader::ReplyReader(ReplyLimits limits) : reader_(redisReaderCreate()), limits_(limits) {
  if (!reader_) throw std::bad_alloc();
}

ReplyReader::~ReplyReader() = default;

void ReplyReader::feed(std::string_view bytes) {
  for (std::size_t at = 0; at < bytes.size();) {
    if (bulk_left_ > 0) {
      // A bulk string's bytes (and its CRLF) are counted, not scanned.
      const std::size_t n = std::min(bulk_left_, bytes.size() - at);
      bulk_left_ -= n;
      at += n;
      count(n);
      if (bulk_left_ == 0) element_done();
      continue;
    }
    scan(bytes[at++]);
  }
  redisReaderFeed(reader_.get(), bytes.data(), bytes.size());
}

void ReplyReader::count(std::size_t bytes) {
  reply_bytes_ += bytes;
  if (reply_bytes_ > limits_.max_reply_bytes) {
    throw ReplyRefused("Redis sent a reply larger than " +
                       std::to_string(limits_.max_reply_bytes / 1024) +
                       " KiB, more than the recorder ever asks for");
  }
}

// A header line ends at CRLF, as hiredis reads it: a lone LF is part of the line (a status may
// hold one), so that this scan and hiredis never disagree on where an element ends.
void ReplyReader::scan(char c) {
  count(1);
  const bool after_cr = after_cr_;
  after_cr_ = c == '\r';
  if (c == '\n' && after_cr) return header_done();
  ++line_bytes_;
  if (line_.size() < kKeptHeader) line_ += c;
}

// A header line is in: "$<length>", "*<count>", or a status, an error, an integer.
// A length is digits alone between the type and the CR, read whole: one the scan could read
// otherwise than hiredis (leading zeros past what is kept, a suffix hiredis reads as nil) is
// refused, so that both always agree on where an element ends.
void ReplyReader::header_done() {
  const std::string line = std::move(line_);
  const std::size_t line_bytes = std::exchange(line_bytes_, 0);
  line_.clear();
  if (line.empty() || (line.front() != '$' && line.front() != '*')) return element_done();
  long long n = 0;
  const std::string_view digits = std::string_view(line).substr(1, line.size() - 2);
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (line_bytes > kKeptHeader || line.back() != '\r' || digits.empty() || ec != std::errc() ||
      end != digits.data() + digits.size() || n < -1) {
    throw ReplyRefused("Redis sent a length that is not a number");
  }
  if (n == -1) return element_done();  // nil
  const auto announced = static_cast<std::size_t>(n);
  if (line.front() == '$') {
    if (announced + 2 > limits_.max_reply_bytes - reply_bytes_) {  // and its CRLF
      throw ReplyRefused("Redis announced a string of " + std::to_string(announced) +
                         " bytes, more than the recorder ever asks for");
    }
    bulk_left_ = announced + 2;  // and its CRLF
    return;
  }
  if (announced > limits_.max_elements) {
    throw ReplyRefused("Redis announced an array of " + std::to_string(announced) +
                       " elements, more than the recorder ever asks for");
  }
  if (announced == 0) return element_done();
  if (open_arrays_.size() >= limits_.max_depth) {
    throw ReplyRefused("Redis sent arrays nested deeper than the recorder ever asks for");
  }
  open_arrays_.push_back(announced);
}

// An element is whole: its array has one fewer to come; a reply with none to come is whole.
void ReplyReader::element_done() {
  while (!open_arrays_.empty()) {
    if (--open_arrays_.back() > 0) return;
    open_arrays_.pop_back();
  }
  reply_bytes_ = 0;
}

std::optional<Reply> ReplyReader::next() {
  void* raw = nullptr;
  if (redisReaderGetReply(reader_.get(), &raw) != REDIS_OK) {
    throw std::runtime_error("Redis sent something that is not its protocol");
  }
  if (raw == nullptr) return std::nullopt;
  Reply reply = convert(*static_cast<redisReply*>(raw));
  freeReplyObject(raw);
  return reply;
}

}  // namespace ar::coordination
