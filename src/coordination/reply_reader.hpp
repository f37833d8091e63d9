#pragma once
// Replies from Redis, parsed by hiredis, within bounds a hostile or broken server cannot push past:
// hiredis buffers a bulk string whole before it parses it and allocates an array's every slot
// at its header, so "$2000000000" or "*2000000000" alone would take gigabytes. Each byte is
// checked before hiredis sees it; past a bound the connection is to be closed.
#include <cstddef>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

struct redisReader;

namespace ar::coordination {

struct Reply {
  enum class Type { kUnavailable, kNil, kInteger, kString, kStatus, kError, kArray };
  Type type = Type::kUnavailable;
  std::string text;  // a string, a status, an error, or why Redis was unavailable
  long long integer = 0;
  std::vector<Reply> elements;
};

// What the recorder can legitimately receive: claims, leases, ROLE and Sentinel answers, each a
// few hundred bytes. A reply past them is refused whole.
struct ReplyLimits {
  std::size_t max_reply_bytes = std::size_t{1} << 20;  // one reply, nested ones included
  std::size_t max_elements = 1024;                     // of one array
  std::size_t max_depth = 7;                           // arrays within arrays (hiredis's own)
};

// A reply past ReplyLimits: the connection must be closed (what follows cannot be trusted).
struct ReplyRefused : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class ReplyReader {
 public:
  explicit ReplyReader(ReplyLimits limits = {});
  ~ReplyReader();
  ReplyReader(const ReplyReader&) = delete;
  ReplyReader& operator=(const ReplyReader&) = delete;

  // Takes bytes the server sent. Throws ReplyRefused when they go past a bound; nothing of them
  // is kept then.
  void feed(std::string_view bytes);
  // The next whole reply, or none until more bytes come. Throws std::runtime_error when the
  // bytes are not Redis's protocol.
  std::optional<Reply> next();

 private:
  void count(std::size_t bytes);
  void scan(char c);
  void header_done();
  void element_done();

  struct Deleter {
    void operator()(redisReader* reader) const;
  };
  std::unique_ptr<redisReader, Deleter> reader_;
  ReplyLimits limits_;
  // The scan of what was fed: a header line (its first characters), the bytes of a bulk string
  // still to come, the elements still to come of each array open, the current reply's bytes.
  std::string line_;
  std::size_t line_bytes_ = 0;  // of the line so far, its CR included
  bool after_cr_ = false;       // the last byte of the line was CR
  std::size_t bulk_left_ = 0;
  std::vector<std::size_t> open_arrays_;
  std::size_t reply_bytes_ = 0;
};

}  // namespace ar::coordination
