#include "livekit/twirp_egress_api.hpp"

#include "livekit/list_reader.hpp"
#include "livekit/participants.hpp"
#include "livekit/rooms.hpp"

namespace ar::livekit {
namespace {

ApiError error_of(const TwirpReply& reply) {
  return {reply.code, reply.message, reply.http_status, {}};
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
      const ApiError error{"internal", std::string(unreadable), reply.http_status, {}};
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

// A start's answer: the egress id, or the error with the call that made it.
TwirpClient::Callback started(EgressApi::StartDone done, std::string_view call) {
  return [done = std::move(done), call](const TwirpReply& reply) {
    if (!reply.ok()) {
      ApiError error = error_of(reply);
      error.call = call;
      return done(&error, {});
    }
    // LiveKit acted on it: a start whose answer does not parse still started.
    auto info = parse_egress_info(reply.body);
    done(nullptr, info ? std::move(info->egress_id) : std::string());
  };
}

}  // namespace

TwirpEgressApi::TwirpEgressApi(TwirpClient& client, const RequestStorages& storages,
                               EgressFlavour flavour, OnChoice on_choice)
    : client_(client), storages_(storages), flavour_(flavour), on_choice_(std::move(on_choice)) {}

void TwirpEgressApi::room_egresses(std::string_view room_name, EgressesDone done) {
  client_.call(kListEgress, list_egress_request(room_name, false), {.room_record = true},
               read_list(std::move(done), parse_egress_list,
                         "ListEgress answer is not a ListEgressResponse"));
}

void TwirpEgressApi::start_recording(std::string_view room_name, const recording::Plan& recording,
                                     StartDone done) {
  Legacy legacy = [this, room = std::string(room_name), plan = &recording](StartDone then) {
    client_.call(kStartRoomComposite, room_composite_request(room, *plan, storages_),
                 {.room_record = true}, started(std::move(then), "StartRoomCompositeEgress"));
  };
  if (!flavour_.unified() || !unified_expresses(recording)) return legacy(std::move(done));
  start_unified(unified_room_request(room_name, recording, storages_), std::move(legacy),
                std::move(done));
}

void TwirpEgressApi::start_subject(std::string_view room_name, const recording::Plan& recording,
                                   const Subject& subject, StartDone done) {
  if (subject.is_track()) {
    return client_.call(kStartTrack, track_request(room_name, recording, subject.sid, storages_),
                        {.room_record = true}, started(std::move(done), "StartTrackEgress"));
  }
  Legacy legacy = [this, room = std::string(room_name), plan = &recording,
                   identity = subject.identity](StartDone then) {
    client_.call(kStartParticipant, participant_request(room, *plan, identity, storages_),
                 {.room_record = true}, started(std::move(then), "StartParticipantEgress"));
  };
  if (!flavour_.unified()) return legacy(std::move(done));
  start_unified(unified_participant_request(room_name, recording, subject.identity, storages_),
                std::move(legacy), std::move(done));
}

void TwirpEgressApi::start_unified(const std::string& request, Legacy legacy, StartDone done) {
  client_.call(
      kStartEgress, request, {.room_record = true},
      [this, legacy = std::move(legacy), done = std::move(done)](const TwirpReply& reply) mutable {
        if (lacks_unified(reply)) return unified_lacking(reply, legacy, std::move(done));
        if (reply.ok() && flavour_.confirm_unified() && on_choice_) {
          on_choice_("unified", reply);
        }
        started(std::move(done), "StartEgress")(reply);
      });
}

void TwirpEgressApi::unified_lacking(const TwirpReply& reply, const Legacy& legacy,
                                     StartDone done) {
  if (flavour_.configured() == EgressFlavour::kUnified) {
    const ApiError error{"unimplemented",
                         "LiveKit has no unified StartEgress (livekit-server before 1.13.2, or "
                         "egress before 1.14): set api_flavour (API_FLAVOUR) to auto or legacy",
                         reply.http_status, "StartEgress"};
    return done(&error, {});
  }
  if (flavour_.fall_back() && on_choice_) on_choice_("legacy", reply);
  legacy(std::move(done));
}

void TwirpEgressApi::participants(std::string_view room_name, ParticipantsDone done) {
  client_.call(
      kListParticipants, list_participants_request(room_name),
      {.room_admin = true, .room = room_name},
      read_list(std::move(done), parse_participant_list, "ListParticipants answer does not parse"));
}

void TwirpEgressApi::stop_recording(std::string_view egress_id, Done done) {
  client_.call(kStopEgress, stop_egress_request(egress_id), {.room_record = true},
               finished(std::move(done)));
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
