#pragma once
// Who asked for a room's recording: logged with every decision, and the label of
// recordings_started_total.
#include <string_view>

#include "model/names.hpp"

namespace ar::model {

enum class Origin {
  kWebhook,     // room_started
  kReconciler,  // a reconcile pass found the room without a recording
  kRestart,     // the room's recording failed mid-room
};

inline constexpr NameTable<Origin, 3> kOriginNames{{"webhook", "reconciler", "restart"}, "webhook"};

constexpr std::string_view to_string(Origin origin) {
  return kOriginNames.name(origin);
}

}  // namespace ar::model
