#include "ledger/entry.hpp"

#include <type_traits>

namespace ar::ledger {
namespace {

// Each string's characters (a short one lives inside the string, so this overcounts a little),
// plus what malloc keeps beside each block, about.
constexpr std::size_t kPerBlock = 16;

std::size_t text(const std::string& s) {
  return s.size();
}
template <typename... Strings>
std::size_t text(const std::string& first, const Strings&... rest) {
  return text(first) + text(rest...);
}

std::size_t held(const RoomSeen& e) {
  return text(e.sid, e.name, e.learned_from, e.metadata);
}
std::size_t held(const Decided& e) {
  return text(e.sid, e.rule, e.asked);
}
// A participant's or track's, boxed: a block of its own.
std::size_t held(const std::shared_ptr<const Subject>& s) {
  if (s == nullptr) return 0;
  return sizeof(Subject) + kPerBlock + text(s->sid, s->participant, s->track_id);
}
std::size_t held(const StartRetried& e) {
  return text(e.sid, e.error, e.key);
}
std::size_t held(const StartFailed& e) {
  return text(e.sid, e.error) + held(e.subject);
}
std::size_t held(const RecordingStarted& e) {
  return text(e.sid, e.egress_id) + held(e.subject);
}
// The entries that name one recording of a session, and no other text.
template <typename E>
constexpr bool kNamesARecordingOnly =
    std::is_same_v<E, StoppedOnPurpose> || std::is_same_v<E, RecordingClosed>;
template <typename E, typename = std::enable_if_t<kNamesARecordingOnly<E>>>
std::size_t held(const E& e) {
  return text(e.sid, e.egress_id);
}
// The recording is a block of its own, and so is its files' array.
std::size_t held(const EgressReported& e) {
  const Recording& r = e.recording();
  std::size_t bytes = sizeof(Recording) + 2 * kPerBlock +
                      text(e.sid, e.room_name, r.egress_id, r.error, r.playlist_location,
                           r.manifest_location, r.closed_by, r.participant, r.track_id);
  for (const File& f : r.files) bytes += sizeof(File) + text(f.filename, f.location);
  return bytes;
}
std::size_t held(const StoppedAsDuplicate& e) {
  return text(e.sid, e.egress_id, e.kept);
}
std::size_t held(const RoomFinished& e) {
  return text(e.sid, e.name, e.closed_by);
}

}  // namespace

std::size_t estimated_size(const Entry& entry) {
  return sizeof(Entry) + kPerBlock + std::visit([](const auto& e) { return held(e); }, entry);
}

}  // namespace ar::ledger
