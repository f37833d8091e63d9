#pragma once
// What the recorder and the reconciler ask of LiveKit, as an interface: the real one calls the
// Twirp API (livekit/twirp_egress_api.hpp), unit tests answer by hand.
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "livekit/egress_info.hpp"
#include "livekit/participants.hpp"
#include "livekit/webhook.hpp"
#include "recording/recording.hpp"

namespace ar::livekit {

// A call that failed: a code livekit/twirp_error.hpp knows ("unavailable", "connection_error",
// "http_502", ...), the message that came with it, the HTTP status of a non-Twirp answer, and
// for a start the call that failed ("StartEgress"; empty when not told).
struct ApiError {
  std::string code;
  std::string message;
  unsigned http_status = 0;
  std::string_view call;
};

class EgressApi {
 public:
  // Every callback runs exactly once (none after the client stopped), later, never inside the
  // call that asked; `error` is null on success and the values are then complete. An answer that
  // does not parse is an "internal" error.
  using EgressesDone = std::function<void(const ApiError* error, std::vector<EgressInfo>)>;
  using StartDone = std::function<void(const ApiError* error, std::string egress_id)>;
  using RoomsDone = std::function<void(const ApiError* error, std::vector<Room>)>;
  using ParticipantsDone = std::function<void(const ApiError* error, std::vector<Participant>)>;
  using Done = std::function<void(const ApiError* error)>;

  EgressApi() = default;
  EgressApi(const EgressApi&) = delete;
  EgressApi& operator=(const EgressApi&) = delete;
  virtual ~EgressApi() = default;

  // ListEgress{room_name}: the room's egresses, active and ended (LiveKit lists ended ones for
  // about 24 h).
  virtual void room_egresses(std::string_view room_name, EgressesDone done) = 0;
  // StartEgress (or, on a LiveKit without it, StartRoomCompositeEgress) with the recording's
  // outputs; the egress id on success ("" when the answer named none).
  virtual void start_recording(std::string_view room_name, const recording::Plan& recording,
                               StartDone done) = 0;
  // One participant's or one track's recording (record: participants, tracks):
  // StartParticipantEgress, or StartEgress with a media source where LiveKit has it, or
  // StartTrackEgress.
  virtual void start_subject(std::string_view room_name, const recording::Plan& recording,
                             const Subject& subject, StartDone done) = 0;
  // StopEgress{egress_id}: the recording ends EGRESS_COMPLETE with what it recorded so far.
  virtual void stop_recording(std::string_view egress_id, Done done) = 0;
  // ListRooms{names}.
  virtual void rooms(std::vector<std::string> names, RoomsDone done) = 0;
  // ListParticipants{room}: who is in the room now, with their published tracks.
  virtual void participants(std::string_view room_name, ParticipantsDone done) = 0;

  // For the reconciler, read item by item as the answer arrives (30 000 rooms): every egress
  // (ListEgress{}: active ones, and those ended in about the last 24 h), or only the active ones
  // (ListEgress{active}); every room (ListRooms{}). `each` runs before `done`.
  virtual void each_egress(bool active_only, std::function<void(EgressInfo&&)> each, Done done) = 0;
  virtual void each_room(std::function<void(Room&&)> each, Done done) = 0;
};

}  // namespace ar::livekit
