#pragma once
// livekit::EgressApi over the Twirp client: builds each request, reads each answer.
#include "livekit/egress.hpp"
#include "livekit/egress_api.hpp"
#include "livekit/twirp_client.hpp"

namespace ar::livekit {

class TwirpEgressApi final : public EgressApi {
 public:
  // Keeps a reference to `client`, and `storages` refers to the configuration: both must
  // outlive it.
  TwirpEgressApi(TwirpClient& client, const RequestStorages& storages);

  void room_egresses(std::string_view room_name, EgressesDone done) override;
  void start_recording(std::string_view room_name, const recording::Plan& recording,
                       StartDone done) override;
  void rooms(std::vector<std::string> names, RoomsDone done) override;
  void each_egress(bool active_only, std::function<void(EgressInfo&&)> each, Done done) override;
  void each_room(std::function<void(Room&&)> each, Done done) override;

 private:
  TwirpClient& client_;
  const RequestStorages storages_;  // references to the configuration's storages
};

}  // namespace ar::livekit
