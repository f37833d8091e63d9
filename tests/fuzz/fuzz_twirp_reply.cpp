// Everything read from LiveKit's API answers: Twirp errors, EgressInfo, ListEgress, ListRooms.
// The first byte picks the HTTP status class.
#include <cstddef>
#include <cstdint>
#include <string>

#include "livekit/egress_info.hpp"
#include "livekit/list_reader.hpp"
#include "livekit/rooms.hpp"
#include "livekit/twirp_client.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static constexpr unsigned kStatuses[] = {200, 400, 401, 404, 429, 500, 502, 503};
  const unsigned status = kStatuses[data[0] % 8];
  const std::string body(reinterpret_cast<const char*>(data + 1), size - 1);
  const auto reply = ar::livekit::reply_from_http(status, body);
  (void)reply.ok();
  (void)ar::livekit::parse_egress_info(body);
  (void)ar::livekit::parse_egress_list(body);
  (void)ar::livekit::parse_room_list(body);
  return 0;
}
