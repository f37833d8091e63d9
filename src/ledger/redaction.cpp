#include "ledger/redaction.hpp"

#include "util/redact.hpp"

namespace ar::ledger {
namespace {

// Cheap for text without a URL's user info (no allocation): the usual case, on every entry.
bool redact_text(std::string& text) {
  if (!util::has_url_user_info(text)) return false;
  text = util::redact_url_passwords(text);
  return true;
}

template <typename... Texts>
void redact_texts(Texts&... texts) {
  (redact_text(texts), ...);
}

bool redact_recording(Recording& r) {
  bool changed = redact_text(r.error);
  changed = redact_text(r.playlist_location) || changed;
  changed = redact_text(r.manifest_location) || changed;
  for (File& f : r.files) {
    changed = redact_text(f.filename) || changed;
    changed = redact_text(f.location) || changed;
  }
  return changed;
}

void redact_entry(RoomSeen& e) {
  redact_texts(e.name, e.metadata);
}
void redact_entry(Decided& e) {
  redact_texts(e.rule);
}
void redact_entry(StartRetried& e) {
  redact_texts(e.error);
}
void redact_entry(StartFailed& e) {
  redact_texts(e.error);
}
void redact_entry(RoomFinished& e) {
  redact_texts(e.name);
}
// The recording is shared and constant: copied only when something in it must go.
void redact_entry(EgressReported& e) {
  redact_texts(e.room_name);
  Recording copy = e.recording();
  if (redact_recording(copy)) e = EgressReported(std::move(e.sid), std::move(e.room_name), copy);
}
// Egress IDs and sids are LiveKit's identifiers, never a URL.
void redact_entry(RecordingStarted& /*e*/) {}
void redact_entry(StoppedOnPurpose& /*e*/) {}
void redact_entry(StoppedAsDuplicate& /*e*/) {}
void redact_entry(RecordingClosed& /*e*/) {}

}  // namespace

void redact(Entry& entry) {
  std::visit([](auto& e) { redact_entry(e); }, entry);
}

void redact(Session& room) {
  redact_texts(room.name, room.metadata, room.rule, room.start_error);
  for (Recording& r : room.recordings) redact_recording(r);
}

}  // namespace ar::ledger
