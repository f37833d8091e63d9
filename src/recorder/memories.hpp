#pragma once
// What the recorder remembers of what it has seen and said, by kind, in bounded memory: the
// dedupe memory (webhooks, sessions started and finished, egress ends acted on), what it said
// once per room, and the recordings stopped on purpose. Pure bookkeeping, no effects; not
// thread-safe: the recorder guards it.
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "recorder/seen_set.hpp"

namespace ar::recorder {

enum class Seen : char {
  kEvent,            // a webhook event id, handled
  kSessionStarted,   // a room sid whose room_started was decided
  kSessionFinished,  // a room sid that finished
  kEgressEnded,      // an egress id whose end was acted on
  kToldMetadata,     // a room (sid, or name) whose unparsable metadata was said
  kToldSkip,         // a room the policy skips, said
  kToldStop,         // a room sid whose stop kept it from being recorded again, said
  kStopDecided,      // a room sid whose stop the ledger was told was on purpose
  kOurs,             // an egress id this process started
  kOursInSession,    // a room sid of which this process started a recording
  kHealChecked,      // an egress id not ours whose start made the recorder look for duplicates
  kHealed,           // an egress id this process stopped as a duplicate
  kSubjectRecorded,  // a participant or track sid found recorded, or started: its next webhook
                     // asks LiveKit nothing
  kSubjectDone,      // a participant or track sid whose recording ended complete: stopped on
                     // purpose (or it left), never started again
};

// One SeenSet for every kind: the kinds share its time to live and its capacity
// (delivery.dedupe_ttl, dedupe_capacity), so their sum is bounded like one memory.
class Memories {
 public:
  using Clock = SeenSet::Clock;

  Memories(std::chrono::milliseconds ttl, std::size_t capacity);

  // Remembers `id` as `kind`; false when it was already remembered (and not expired).
  bool remember(Seen kind, std::string_view id, Clock::time_point now);
  bool knows(Seen kind, std::string_view id, Clock::time_point now);

 private:
  std::string_view key(Seen kind, std::string_view id);

  SeenSet seen_;
  std::string key_;  // reused: no allocation to ask
};

// Room sessions whose recording ended EGRESS_COMPLETE: stopped with StopEgress, or its room
// closing. Either way the session is not recorded again. It was stopped on purpose once the room
// is listed after the end was noted (LIVEKIT.md: "ends EGRESS_COMPLETE while its room is still
// listed"). Bounded like the dedupe memory (past it, one is forgotten).
class Stops {
 public:
  using TimePoint = Memories::Clock::time_point;
  struct Stop {
    std::string egress_id;
    TimePoint noted;
  };

  explicit Stops(std::size_t capacity) : capacity_(capacity) {}

  void stopped(const std::string& room_sid, const std::string& egress_id, TimePoint now);
  // The session's stop, or null.
  const Stop* of(const std::string& room_sid) const;

 private:
  std::size_t capacity_;
  std::unordered_map<std::string, Stop> stops_;  // by room sid
};

}  // namespace ar::recorder
