#include "ledger/spill.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "ledger/files_json.hpp"

namespace ar::ledger {
namespace {

namespace json = boost::json;

std::string text(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

std::int64_t number(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_int64() ? v->get_int64() : 0;
}

bool flag(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_bool() && v->get_bool();
}

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
                      {"duplicate_of", r.duplicate_of}};
}

Recording recording_from(const json::object& o) {
  Recording r;
  r.egress_id = text(o, "egress_id");
  r.status = model::egress_status_named(text(o, "status"));
  r.started_ms = number(o, "started_ms");
  r.ended_ms = number(o, "ended_ms");
  r.error = text(o, "error");
  if (const json::value* files = o.if_contains("files")) r.files = files_from_json(*files);
  r.playlist_location = text(o, "playlist_location");
  r.segment_count = number(o, "segment_count");
  r.image_count = number(o, "image_count");
  r.manifest_location = text(o, "manifest_location");
  r.retry_count = number(o, "retry_count");
  r.backup_storage_used = flag(o, "backup_storage_used");
  r.duplicate_of = text(o, "duplicate_of");
  return r;
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
    return {{"type", "decided"}, {"sid", e.sid}, {"record", e.record}, {"rule", e.rule}};
  }
  json::object operator()(const StartRetried& e) const {
    return {{"type", "start_retried"}, {"sid", e.sid}, {"error", e.error}, {"key", e.key}};
  }
  json::object operator()(const StartFailed& e) const {
    return {{"type", "start_failed"}, {"sid", e.sid}, {"error", e.error}};
  }
  json::object operator()(const RecordingStarted& e) const {
    return {{"type", "recording_started"},
            {"sid", e.sid},
            {"egress_id", e.egress_id},
            {"at_ms", e.at_ms},
            {"restart", e.restart}};
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
  const std::string type = text(o, "type");
  const std::string sid = text(o, "sid");
  if (sid.empty()) return std::nullopt;
  if (type == "room_seen") {
    return RoomSeen{sid, text(o, "name"), number(o, "started_ms"), text(o, "learned_from"),
                    text(o, "metadata")};
  }
  if (type == "decided") return Decided{sid, flag(o, "record"), text(o, "rule")};
  if (type == "start_retried") return StartRetried{sid, text(o, "error"), text(o, "key")};
  if (type == "start_failed") return StartFailed{sid, text(o, "error")};
  if (type == "recording_started") {
    return RecordingStarted{sid, text(o, "egress_id"), number(o, "at_ms"), flag(o, "restart")};
  }
  if (type == "egress_reported") {
    const json::value* r = o.if_contains("recording");
    if (r == nullptr || !r->is_object()) return std::nullopt;
    return EgressReported{sid, text(o, "room_name"), recording_from(r->get_object())};
  }
  if (type == "stopped_on_purpose") return StoppedOnPurpose{sid, text(o, "egress_id")};
  if (type == "stopped_as_duplicate") {
    return StoppedAsDuplicate{sid, text(o, "egress_id"), text(o, "kept")};
  }
  if (type == "room_finished") {
    return RoomFinished{sid, number(o, "at_ms"), text(o, "name"), number(o, "started_ms"),
                        text(o, "closed_by")};
  }
  if (type == "recording_closed") {
    return RecordingClosed{sid, text(o, "egress_id"), number(o, "at_ms")};
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
