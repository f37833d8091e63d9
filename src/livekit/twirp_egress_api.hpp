#pragma once
// livekit::EgressApi over the Twirp client: builds each request, reads each answer.
#include <functional>

#include "livekit/egress.hpp"
#include "livekit/egress_api.hpp"
#include "livekit/egress_flavour.hpp"
#include "livekit/twirp_client.hpp"

namespace ar::livekit {

class TwirpEgressApi final : public EgressApi {
 public:
  // Told once an `auto` process learns which start call LiveKit has ("unified" or "legacy"),
  // with the answer that showed it.
  using OnChoice = std::function<void(std::string_view api, const TwirpReply& answer)>;

  // Keeps a reference to `client`, and `storages` refers to the configuration: both must
  // outlive it.
  TwirpEgressApi(TwirpClient& client, const RequestStorages& storages,
                 EgressFlavour flavour = EgressFlavour::kAuto, OnChoice on_choice = {});

  // The start call in use: "unified", "legacy", or "auto (...)" before LiveKit answered one.
  std::string_view start_api() const { return flavour_.in_use(); }

  void room_egresses(std::string_view room_name, EgressesDone done) override;
  void start_recording(std::string_view room_name, const recording::Plan& recording,
                       StartDone done) override;
  void start_subject(std::string_view room_name, const recording::Plan& recording,
                     const Subject& subject, StartDone done) override;
  void stop_recording(std::string_view egress_id, Done done) override;
  void rooms(std::vector<std::string> names, RoomsDone done) override;
  void participants(std::string_view room_name, ParticipantsDone done) override;
  void each_egress(bool active_only, std::function<void(EgressInfo&&)> each, Done done) override;
  void each_room(std::function<void(Room&&)> each, Done done) override;

 private:
  // The legacy call of a start, for a LiveKit without the unified one.
  using Legacy = std::function<void(StartDone)>;
  void start_unified(const std::string& request, Legacy legacy, StartDone done);
  // StartEgress answered that LiveKit lacks it: the legacy call, unless told to use unified only.
  void unified_lacking(const TwirpReply& reply, const Legacy& legacy, StartDone done);

  TwirpClient& client_;
  const RequestStorages storages_;  // references to the configuration's storages
  EgressFlavourChoice flavour_;
  OnChoice on_choice_;
};

}  // namespace ar::livekit
