// The HTTP request reader (framing rules around Beast's parser) fed what a hostile client sends,
// in pieces of the sizes the input's first byte picks: it must never crash, never need more
// buffer than buffer_ceiling(), and never hand over a body over the limit.
#include <boost/asio/buffer.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "server/request_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t piece = 1 + data[0] % 97;
  ++data;
  --size;
  const ar::server::RequestLimits limits{.max_body_bytes = 4096, .max_header_bytes = 1024};
  const std::size_t ceiling = ar::server::buffer_ceiling(limits);
  boost::beast::flat_buffer buffer(ceiling);
  ar::server::RequestReader reader(limits);
  reader.start();
  std::size_t fed = 0;
  for (;;) {
    switch (reader.advance(buffer)) {
      case ar::server::RequestReader::Step::kNeedMore: {
        if (fed == size) return 0;
        const std::size_t room = buffer.max_size() - buffer.size();
        if (room == 0) std::abort();  // the reader must refuse before the buffer is full
        const std::size_t n = std::min({piece, room, size - fed});
        std::memcpy(buffer.prepare(n).data(), data + fed, n);
        buffer.commit(n);
        fed += n;
        break;
      }
      case ar::server::RequestReader::Step::kHeaderDone:
        break;
      case ar::server::RequestReader::Step::kDone:
        if (reader.parts().body.size() > limits.max_body_bytes) std::abort();
        reader.start();  // pipelined: the next request follows in the same buffer
        break;
      case ar::server::RequestReader::Step::kRefused:
        if (reader.refusal().status < 400) std::abort();
        return 0;
    }
    if (buffer.size() > ceiling) std::abort();
  }
}
