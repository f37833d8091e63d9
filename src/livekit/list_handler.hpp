#pragma once
// The SAX handler under livekit/list_reader.cpp: the fields of each item of a ListRooms or
// ListEgress answer, read as the body's pieces arrive. Only list_reader.cpp includes it.
#include <boost/json/basic_parser.hpp>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "livekit/egress_info.hpp"
#include "livekit/protojson.hpp"

namespace ar::livekit::list_detail {

namespace json = boost::json;
using boost::system::error_code;

// The fields of one item the readers want, whatever their naming (lowerCamelCase or proto).
struct Item {
  std::string egress_id;
  std::string room_id;
  std::string room_name;
  std::string name;  // a Room's
  std::string sid;   // a Room's
  std::string metadata;
  std::string error;
  std::optional<std::string> status_name;
  std::optional<std::int64_t> status_number;
  std::int64_t creation_time = 0;              // a Room's, in seconds
  std::int64_t creation_time_ms = 0;           // a Room's (livekit-server 1.8+)
  RecordingKind kind = RecordingKind::kOther;  // by its request object
  bool writes_files = false;                   // its request has a file or segment output
  std::string subject;                         // whom its request records (EgressInfo's)
  std::int64_t error_code = 0;                 // an egress's
  EgressResults results;                       // an egress's, as egress_ended reports them
};

// The result lists of an EgressInfo, whose items the reader keeps a few fields of.
enum class ResultList { kNone, kFiles, kSegments, kImages };

inline ResultList result_list(std::string_view key) {
  if (key == "fileResults" || key == "file_results") return ResultList::kFiles;
  if (key == "segmentResults" || key == "segment_results") return ResultList::kSegments;
  if (key == "imageResults" || key == "image_results") return ResultList::kImages;
  return ResultList::kNone;
}

// SAX events of {"<list>": [ {item}, ... ], ...}. Depth counts open containers: the root object
// is 1, the list 2, an item 3, an object or array inside an item 4, one inside that 5 (an
// egress's file, segment or image result).
class Handler {
 public:
  static constexpr std::size_t max_array_size = -1;
  static constexpr std::size_t max_object_size = -1;
  static constexpr std::size_t max_string_size = -1;
  static constexpr std::size_t max_key_size = -1;

  Handler(std::string_view list, std::function<void(Item&&)> each)
      : list_name_(list), each_(std::move(each)) {}

  bool on_document_begin(error_code& /*ec*/) { return true; }
  bool on_document_end(error_code& /*ec*/) { return true; }

  bool on_object_begin(error_code& ec) {
    if (depth_ == 0) return open();
    if (depth_ == 1 && key_ == list_name_) return fail(ec);  // the list must be an array, or null
    if (in_list() && depth_ == 2) {
      item_ = Item{};
      in_request_ = false;  // nothing of the item before is its request
      in_media_ = in_participant_video_ = subject_mixed_ = false;
    }
    if (in_list() && depth_ == 7 && in_media_) route_identity_ = false;  // an audio route
    if (in_list() && depth_ == 3) {
      const auto kind = request_kind(key_);
      if (kind) item_.kind = *kind;
      parent_ = key_;  // the item's field this object is
      in_request_ = kind.has_value() || key_ == "egress";
    }
    if (in_list() && depth_ == 4 && parent_ == "egress") {
      if (auto kind = unified_request_kind(key_)) item_.kind = *kind;
      in_media_ = key_ == "media";
    }
    if (in_list() && depth_ == 5 && in_media_) {
      in_participant_video_ = is("participantVideo", "participant_video");
    }
    // A file output: the request's own (legacy: an item of fileOutputs, or its single file),
    // or inside one of the unified request's outputs.
    if (in_list() && in_request() &&
        ((depth_ == 4 && names_file_output(key_)) || (depth_ == 5 && output_list_) ||
         (depth_ == 6 && in_outputs_ && names_file_output(key_)))) {
      item_.writes_files = true;
    }
    if (in_list() && depth_ == 4) {
      switch (results_list_) {
        case ResultList::kFiles:
          item_.results.files.emplace_back();
          break;
        case ResultList::kSegments:
          ++item_.results.segment_outputs;
          break;
        case ResultList::kImages:
        case ResultList::kNone:
          break;
      }
    }
    return open();
  }
  bool on_object_end(std::size_t /*n*/, error_code& /*ec*/) {
    // An audio route that selects by track or by participant kind: not one participant's.
    if (in_list() && depth_ == 8 && in_media_ && !route_identity_) subject_mixed_ = true;
    if (in_list() && depth_ == 3) {
      if (subject_mixed_) {
        item_.subject.clear();
        item_.kind = RecordingKind::kOther;
      }
      each_(std::move(item_));
    }
    if (depth_ == 5) in_media_ = false;
    if (depth_ == 6) in_participant_video_ = false;
    return close();
  }
  bool on_array_begin(error_code& ec) {
    if (depth_ == 0) return fail(ec);  // the answer must be an object
    if (in_list() && depth_ == 3) results_list_ = result_list(key_);
    if (in_list() && depth_ == 4 && in_request()) {
      output_list_ = names_file_output(key_);
      in_outputs_ = key_ == "outputs";
    }
    return open();
  }
  bool on_array_end(std::size_t /*n*/, error_code& /*ec*/) {
    if (in_list() && depth_ == 4) results_list_ = ResultList::kNone;
    if (in_list() && depth_ == 5) output_list_ = in_outputs_ = false;
    return close();
  }

  bool on_key_part(json::string_view part, std::size_t /*n*/, error_code& /*ec*/) {
    key_.append(part.data(), part.size());
    return true;
  }
  bool on_key(json::string_view part, std::size_t /*n*/, error_code& /*ec*/) {
    key_.append(part.data(), part.size());
    if (depth_ == 1) root_key_ = key_;
    // A media source with a video track beside its audio: not one participant's.
    if (in_list() && depth_ == 5 && in_media_ && is("videoTrackId", "video_track_id")) {
      subject_mixed_ = true;
    }
    return true;
  }
  bool on_string_part(json::string_view part, std::size_t /*n*/, error_code& /*ec*/) {
    if (wanted()) text_.append(part.data(), part.size());
    return true;
  }
  bool on_string(json::string_view part, std::size_t /*n*/, error_code& ec) {
    if (not_an_answer()) return fail(ec);
    if (wanted()) {
      text_.append(part.data(), part.size());
      store();
    }
    return value_done();
  }
  bool on_number_part(json::string_view /*part*/, error_code& /*ec*/) { return true; }
  bool on_int64(std::int64_t value, json::string_view /*text*/, error_code& ec) {
    if (not_an_answer()) return fail(ec);
    if (wanted()) {
      if (key_ == "status" && depth_ == 3) item_.status_number = value;
      if (std::int64_t* count = count_field()) {
        *count += value;
      } else if (std::int64_t* number = integer_field()) {
        *number = value;
      }
    }
    return value_done();
  }
  bool on_uint64(std::uint64_t /*value*/, json::string_view /*text*/, error_code& ec) {
    return scalar(ec);
  }
  bool on_double(double /*value*/, json::string_view /*text*/, error_code& ec) {
    return scalar(ec);
  }
  bool on_bool(bool value, error_code& ec) {
    if (not_an_answer()) return fail(ec);
    if (wanted() && depth_ == 3 && is("backupStorageUsed", "backup_storage_used")) {
      item_.results.backup_storage_used = value;
    }
    return value_done();
  }
  bool on_null(error_code& ec) { return scalar(ec, true); }
  bool on_comment_part(json::string_view /*part*/, error_code& /*ec*/) { return true; }
  bool on_comment(json::string_view /*part*/, error_code& /*ec*/) { return true; }

 private:
  bool in_list() const { return depth_ >= 2 && root_key_ == list_name_; }
  // Inside the item's request object (depth 4 and deeper under it).
  bool in_request() const { return depth_ >= 4 && in_request_; }
  // A field of the item itself, or of one of its results, that some reader uses.
  bool wanted() const {
    return in_list() &&
           (depth_ == 3 || (depth_ == 5 && results_list_ != ResultList::kNone) || subject_key());
  }
  // Whom the request records (EgressInfo::subject): a participant request's identity, a track
  // request's track id, a media source's participant (its participantVideo, or an audio route).
  bool subject_key() const {
    if (!in_request()) return false;
    if (depth_ == 4 && item_.kind == RecordingKind::kParticipant) return key_ == "identity";
    if (depth_ == 4 && item_.kind == RecordingKind::kTrack) return is("trackId", "track_id");
    if (depth_ == 6 && in_participant_video_) return key_ == "identity";
    return depth_ == 8 && in_media_ && is("participantIdentity", "participant_identity");
  }
  bool is(std::string_view json_name, std::string_view proto_name) const {
    return key_ == json_name || key_ == proto_name;
  }

  // Segment and image counts add up over the outputs, as egress_info.cpp reads them.
  std::int64_t* count_field() {
    if (depth_ != 5) return nullptr;
    if (results_list_ == ResultList::kSegments && is("segmentCount", "segment_count")) {
      return &item_.results.segment_count;
    }
    if (results_list_ == ResultList::kImages && is("imageCount", "image_count")) {
      return &item_.results.image_count;
    }
    return nullptr;
  }

  void store() {
    if (subject_key()) {
      if (depth_ == 8) route_identity_ = true;
      if (depth_ > 4) {
        // A media source's: one participant's only when every identity it names is the same.
        item_.kind = RecordingKind::kParticipant;
        if (!item_.subject.empty() && item_.subject != text_) subject_mixed_ = true;
      }
      item_.subject = std::move(text_);
    } else if (depth_ == 3 && is("status", "status")) {
      item_.status_name = std::move(text_);
    } else if (std::int64_t* count = count_field()) {
      *count += protojson_int64(text_).value_or(0);
    } else if (std::int64_t* number = integer_field()) {
      if (const auto value = protojson_int64(text_)) *number = *value;
    } else if (std::string* field = string_field()) {
      *field = std::move(text_);
    }
    text_.clear();
  }

  std::string* string_field() {
    EgressResults& results = item_.results;
    if (depth_ == 5) {
      if (results_list_ == ResultList::kFiles && !results.files.empty()) {
        if (is("filename", "filename")) return &results.files.back().filename;
        if (is("location", "location")) return &results.files.back().location;
      }
      // The first segment output's playlist, as webhooks are read (egress_info.cpp).
      if (results_list_ == ResultList::kSegments && is("playlistLocation", "playlist_location") &&
          results.playlist_location.empty()) {
        return &results.playlist_location;
      }
      return nullptr;
    }
    if (is("egressId", "egress_id")) return &item_.egress_id;
    if (is("roomId", "room_id")) return &item_.room_id;
    if (is("roomName", "room_name")) return &item_.room_name;
    if (is("name", "name")) return &item_.name;
    if (is("sid", "sid")) return &item_.sid;
    if (is("metadata", "metadata")) return &item_.metadata;
    if (is("error", "error")) return &item_.error;
    if (is("manifestLocation", "manifest_location")) return &results.manifest_location;
    return nullptr;
  }

  // Integers: protojson writes int64 as a string, int32 as a number; both are read either way.
  std::int64_t* integer_field() {
    EgressResults& results = item_.results;
    if (depth_ == 5) {
      if (results_list_ == ResultList::kFiles && !results.files.empty()) {
        if (is("size", "size")) return &results.files.back().size;
        if (is("duration", "duration")) return &results.files.back().duration_ns;
      }
      return nullptr;
    }
    if (is("creationTime", "creation_time")) return &item_.creation_time;
    if (is("creationTimeMs", "creation_time_ms")) return &item_.creation_time_ms;
    if (is("startedAt", "started_at")) return &results.started_at_ns;
    if (is("endedAt", "ended_at")) return &results.ended_at_ns;
    if (is("errorCode", "error_code")) return &item_.error_code;
    if (is("retryCount", "retry_count")) return &results.retry_count;
    return nullptr;
  }

  // A root that is not an object, a list that is a scalar, or an item that is not an object.
  // A null list is an empty one.
  bool not_an_answer(bool null = false) const {
    return depth_ == 0 || (depth_ == 1 && key_ == list_name_ && !null) ||
           (depth_ == 2 && in_list());
  }
  bool scalar(error_code& ec, bool null = false) {
    if (not_an_answer(null)) return fail(ec);
    return value_done();
  }
  bool value_done() {
    key_.clear();
    return true;
  }
  bool open() {
    ++depth_;
    key_.clear();
    return true;
  }
  bool close() {
    --depth_;
    key_.clear();
    return true;
  }
  static bool fail(error_code& ec) {
    ec = json::error::syntax;  // not the reply this reader reads
    return false;
  }

  std::string list_name_;
  std::function<void(Item&&)> each_;
  ResultList results_list_ = ResultList::kNone;  // the item's result list being read
  int depth_ = 0;
  std::string root_key_;
  std::string key_;
  std::string parent_;
  bool in_request_ = false;            // the item's latest object field is its request
  bool output_list_ = false;           // in a request's array of file or segment outputs
  bool in_outputs_ = false;            // in the unified request's outputs
  bool in_media_ = false;              // in the unified request's media source
  bool in_participant_video_ = false;  // in its participantVideo
  // The media source records more than one participant (egress_info.cpp, media_participant):
  // its subject is cleared at the item's end.
  bool subject_mixed_ = false;
  bool route_identity_ = false;  // the audio route being read selects by participant identity
  std::string text_;
  Item item_;
};

}  // namespace ar::livekit::list_detail
