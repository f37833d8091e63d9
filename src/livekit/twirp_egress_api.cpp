#include "livekit/twirp_egress_api.hpp"

#include "livekit/list_reader.hpp"
#include "livekit/rooms.hpp"

namespace ar::livekit {
namespace {

ApiError error_of(const TwirpReply& reply) {
  return {reply.code, reply.message, reply.http_status};
}

// A whole list answer, parsed; one that does not parse is an "internal" error.
template <typename Item>
TwirpClient::Callback read_list(std::function<void(const ApiError*, std::vector<Item>)> done,
                                std::optional<std::vector<Item>> (*parse)(std::string_view),
                                std::string_view unreadable) {
  return [done = std::move(done), parse, unreadable](const TwirpReply& reply) {
    if (!reply.ok()) {
      const ApiError error = error_of(reply);
      return done(&error, {});
    }
    auto items = parse(reply.body);
    if (!items) {
      const ApiError error{"internal", std::string(unreadable), reply.http_status};
      return done(&error, {});
    }
    done(nullptr, std::move(*items));
  };
}

// A list read item by item: only the outcome is left to tell.
TwirpClient::Callback finished(EgressApi::Done done) {
  return [done = std::move(done)](const TwirpReply& reply) {
    if (reply.ok()) return done(nullptr);
    const ApiError error = error_of(reply);
    done(&error);
  };
}

}  // namespace

TwirpEgressApi::TwirpEgressApi(TwirpClient& client, const RequestStorages& storages)
    : client_(client), storages_(storages) {}

void TwirpEgressApi::room_egresses(std::string_view room_name, EgressesDone done) {
  client_.call(kListEgress, list_egress_request(room_name, false), {.room_record = true},
               read_list(std::move(done), parse_egress_list,
                         "ListEgress answer is not a ListEgressResponse"));
}

void TwirpEgressApi::start_recording(std::string_view room_name, const recording::Plan& recording,
                                     StartDone done) {
  client_.call(kStartRoomComposite, room_composite_request(room_name, recording, storages_),
               {.room_record = true}, [done = std::move(done)](const TwirpReply& reply) {
                 if (!reply.ok()) {
                   const ApiError error = error_of(reply);
                   return done(&error, {});
                 }
                 // LiveKit acted on it: a start whose answer does not parse still started.
                 auto info = parse_egress_info(reply.body);
                 done(nullptr, info ? std::move(info->egress_id) : std::string());
               });
}

void TwirpEgressApi::rooms(std::vector<std::string> names, RoomsDone done) {
  client_.call(kListRooms, list_rooms_request(names), {.room_list = true},
               read_list(std::move(done), parse_room_list, "ListRooms answer does not parse"));
}

void TwirpEgressApi::each_egress(bool active_only, std::function<void(EgressInfo&&)> each,
                                 Done done) {
  client_.call(kListEgress, list_egress_request("", active_only), {.room_record = true},
               finished(std::move(done)), egress_list_reader(std::move(each)));
}

void TwirpEgressApi::each_room(std::function<void(Room&&)> each, Done done) {
  client_.call(kListRooms, list_rooms_request({}), {.room_list = true}, finished(std::move(done)),
               room_list_reader(std::move(each)));
}

}  // namespace ar::livekit
