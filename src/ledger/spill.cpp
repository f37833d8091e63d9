#include "ledger/spill.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "ledger/files_json.hpp"
#include "ledger/json_fields.hpp"
#include "ledger/subject_json.hpp"

namespace ar::ledger {
namespace {

namespace json = boost::json;

json::object recording_json(const Recording& r) {
  return json::object{{"egress_id", r.egress_id},
                      {"status", model::to_string(r.status)},
                      {"started_ms", r.started_ms},
                      {"ended_ms", r.ended_ms},
                      {"error", r.error},
                      {"files", files_to_json(r.files)},
                      {"playlist_location", r.playlist_location},
                      {"segment_count", r.segment_count},
                      {"image_count", r.image_count},
                      {"manifest_location", r.manifest_location},
                      {"retry_count", r.retry_count},
                      {"backup_storage_used", r.backup_storage_used},
                      {"duplicate_of", r.duplicate_of},
                      {"kind", model::to_string(r.kind)},
                      {"participant", r.participant},
                      {"track_id", r.track_id}};
}

Recording recording_from(const json::object& o) {
  Recording r;
  r.egress_id = text_field(o, "egress_id");
  r.status = model::egress_status_named(text_field(o, "status"));
  r.started_ms = number_field(o, "started_ms");
  r.ended_ms = number_field(o, "ended_ms");
  r.error = text_field(o, "error");
  if (const json::value* files = o.if_contains("files")) r.files = files_from_json(*files);
  r.playlist_location = text_field(o, "playlist_location");
  r.segment_count = number_field(o, "segment_count");
  r.image_count = number_field(o, "image_count");
  r.manifest_location = text_field(o, "manifest_location");
  r.retry_count = number_field(o, "retry_count");
  r.backup_storage_used = flag_field(o, "backup_storage_used");
  r.duplicate_of = text_field(o, "duplicate_of");
  // A spill written before the ledger kept participants and tracks holds composites only.
  r.kind = model::kRecordingKindNames.named(text_field(o, "kind"))
               .value_or(model::RecordingKind::kRoomComposite);
  r.participant = text_field(o, "participant");
  r.track_id = text_field(o, "track_id");
  return r;
}

// An entry's participant or track, as JSON: absent for the room's.
void put_subject(json::object& o, const std::shared_ptr<const Subject>& subject) {
  if (subject) o.emplace("subject", subject_to_json(*subject));
}

std::shared_ptr<const Subject> subject_in(const json::object& o) {
  const json::value* v = o.if_contains("subject");
  if (v == nullptr) return nullptr;
  auto subject = subject_from_json(*v);
  return subject ? std::make_shared<const Subject>(std::move(*subject)) : nullptr;
}

// Each entry type as a JSON object with its "type".
struct Encode {
  json::object operator()(const RoomSeen& e) const {
    return {{"type", "room_seen"},
            {"sid", e.sid},
            {"name", e.name},
            {"started_ms", e.started_ms},
            {"learned_from", e.learned_from},
            {"metadata", e.metadata}};
  }
  json::object operator()(const Decided& e) const {
    return {{"type", "decided"},
            {"sid", e.sid},
            {"record", e.record},
            {"rule", e.rule},
            {"asked", e.asked}};
  }
  json::object operator()(const StartRetried& e) const {
    return {{"type", "start_retried"}, {"sid", e.sid}, {"error", e.error}, {"key", e.key}};
  }
  json::object operator()(const StartFailed& e) const {
    json::object o{{"type", "start_failed"}, {"sid", e.sid}, {"error", e.error}};
    put_subject(o, e.subject);
    return o;
  }
  json::object operator()(const RecordingStarted& e) const {
    json::object o{{"type", "recording_started"},
                   {"sid", e.sid},
                   {"egress_id", e.egress_id},
                   {"at_ms", e.at_ms},
                   {"restart", e.restart}};
    put_subject(o, e.subject);
    return o;
  }
  json::object operator()(const EgressReported& e) const {
    return {{"type", "egress_reported"},
            {"sid", e.sid},
            {"room_name", e.room_name},
            {"recording", recording_json(e.recording())}};
  }
  json::object operator()(const StoppedOnPurpose& e) const {
    return {{"type", "stopped_on_purpose"}, {"sid", e.sid}, {"egress_id", e.egress_id}};
  }
  json::object operator()(const StoppedAsDuplicate& e) const {
    return {{"type", "stopped_as_duplicate"},
            {"sid", e.sid},
            {"egress_id", e.egress_id},
            {"kept", e.kept}};
  }
  json::object operator()(const RoomFinished& e) const {
    return {{"type", "room_finished"},    {"sid", e.sid},
            {"at_ms", e.at_ms},           {"name", e.name},
            {"started_ms", e.started_ms}, {"closed_by", e.closed_by}};
  }
  json::object operator()(const RecordingClosed& e) const {
    return {{"type", "recording_closed"},
            {"sid", e.sid},
            {"egress_id", e.egress_id},
            {"at_ms", e.at_ms}};
  }
};

std::optional<Entry> entry_from(const json::object& o) {
  const std::string type = text_field(o, "type");
  const std::string sid = text_field(o, "sid");
  if (sid.empty()) return std::nullopt;
  if (type == "room_seen") {
    return RoomSeen{sid, text_field(o, "name"), number_field(o, "started_ms"),
                    text_field(o, "learned_from"), text_field(o, "metadata")};
  }
  if (type == "decided") {
    return Decided{sid, flag_field(o, "record"), text_field(o, "rule"), text_field(o, "asked")};
  }
  if (type == "start_retried")
    return StartRetried{sid, text_field(o, "error"), text_field(o, "key")};
  if (type == "start_failed") return StartFailed{sid, text_field(o, "error"), subject_in(o)};
  if (type == "recording_started") {
    return RecordingStarted{sid, text_field(o, "egress_id"), number_field(o, "at_ms"),
                            flag_field(o, "restart"), subject_in(o)};
  }
  if (type == "egress_reported") {
    const json::value* r = o.if_contains("recording");
    if (r == nullptr || !r->is_object()) return std::nullopt;
    return EgressReported{sid, text_field(o, "room_name"), recording_from(r->get_object())};
  }
  if (type == "stopped_on_purpose") return StoppedOnPurpose{sid, text_field(o, "egress_id")};
  if (type == "stopped_as_duplicate") {
    return StoppedAsDuplicate{sid, text_field(o, "egress_id"), text_field(o, "kept")};
  }
  if (type == "room_finished") {
    return RoomFinished{sid, number_field(o, "at_ms"), text_field(o, "name"),
                        number_field(o, "started_ms"), text_field(o, "closed_by")};
  }
  if (type == "recording_closed") {
    return RecordingClosed{sid, text_field(o, "egress_id"), number_field(o, "at_ms")};
  }
  return std::nullopt;
}

std::string errno_text() {
  return std::generic_category().message(errno);
}

}  // namespace

std::string encode_entry(const Entry& entry) {
  return json::serialize(std::visit(Encode{}, entry));
}

std::optional<Entry> decode_entry(std::string_view line) {
  boost::system::error_code ec;
  const json::value value = json::parse(line, ec);
  if (ec || !value.is_object()) return std::nullopt;
  return entry_from(value.get_object());
}

util::Result<void> write_spill(const std::string& path, const std::vector<Entry>& entries) {
  const std::string temporary = path + ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return util::Error{temporary + ": " + errno_text()};
  std::string out;
  std::optional<std::string> failed;  // the first failure
  const auto flush = [&] {
    for (std::size_t done = 0; done < out.size() && !failed;) {
      const ssize_t n = ::write(fd, out.data() + done, out.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) failed = temporary + ": " + errno_text();
      if (n > 0) done += static_cast<std::size_t>(n);
    }
    out.clear();
  };
  for (const Entry& entry : entries) {
    out += encode_entry(entry);
    out += '\n';
    if (out.size() >= 1 << 16) flush();
  }
  flush();
  if (!failed && ::fsync(fd) != 0) failed = temporary + ": " + errno_text();
  if (::close(fd) != 0 && !failed) failed = temporary + ": " + errno_text();
  if (!failed && std::rename(temporary.c_str(), path.c_str()) != 0) {
    failed = path + ": " + errno_text();
  }
  if (!failed) return {};
  std::remove(temporary.c_str());
  return util::Error{std::move(*failed)};
}

SpillRead read_spill(const std::string& path) {
  SpillRead out;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return out;
  std::ifstream in(path);
  if (!in) {
    out.error = path + ": " + errno_text();
    return out;
  }
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    if (auto entry = decode_entry(line)) {
      out.entries.push_back(std::move(*entry));
    } else {
      ++out.unreadable;
    }
  }
  if (in.bad()) out.error = path + ": " + errno_text();
  return out;
}

util::Result<void> can_spill(const std::string& path) {
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (dir.empty()) dir = ".";
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    return util::Error{dir.string() + ": " + errno_text()};
  return {};
}

}  // namespace ar::ledger
