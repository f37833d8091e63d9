#include "livekit/egress.hpp"

#include <algorithm>
#include <array>
#include <boost/json.hpp>

#include "livekit/protojson.hpp"
#include "util/redact.hpp"

namespace ar::livekit {

namespace json = boost::json;

namespace {

// Protobuf JSON leaves out empty strings; so do we, so the request carries only what was set.
void put(json::object& out, std::string_view name, const std::string& value) {
  if (!value.empty()) out[name] = value;
}

void put_proxy(json::object& out, const std::optional<config::Proxy>& proxy) {
  if (!proxy) return;
  json::object p;
  put(p, "url", proxy->url);
  put(p, "username", proxy->username);
  put(p, "password", proxy->password);
  out["proxy"] = std::move(p);
}

struct UploadJson {
  json::object& output;

  void operator()(const config::S3Storage& s3) const {
    json::object u;
    put(u, "accessKey", s3.access_key);
    put(u, "secret", s3.secret);
    put(u, "sessionToken", s3.session_token);
    put(u, "assumeRoleArn", s3.assume_role_arn);
    put(u, "assumeRoleExternalId", s3.assume_role_external_id);
    put(u, "region", s3.region);
    put(u, "endpoint", s3.endpoint);
    put(u, "bucket", s3.bucket);
    if (s3.force_path_style) u["forcePathStyle"] = true;
    if (!s3.metadata.empty()) {
      json::object metadata;
      for (const auto& [key, value] : s3.metadata) metadata[key] = value;
      u["metadata"] = std::move(metadata);
    }
    put(u, "tagging", s3.tagging);
    put(u, "contentDisposition", s3.content_disposition);
    put_proxy(u, s3.proxy);
    output["s3"] = std::move(u);
  }

  void operator()(const config::AzureStorage& azure) const {
    json::object u;
    put(u, "accountName", azure.account_name);
    put(u, "accountKey", azure.account_key);
    put(u, "containerName", azure.container_name);
    output["azure"] = std::move(u);
  }

  void operator()(const config::GcpStorage& gcp) const {
    json::object u;
    put(u, "credentials", gcp.credentials_json);
    put(u, "bucket", gcp.bucket);
    put_proxy(u, gcp.proxy);
    output["gcp"] = std::move(u);
  }

  void operator()(const config::AliOssStorage& oss) const {
    json::object u;
    put(u, "accessKey", oss.access_key);
    put(u, "secret", oss.secret);
    put(u, "region", oss.region);
    put(u, "endpoint", oss.endpoint);
    put(u, "bucket", oss.bucket);
    output["aliOSS"] = std::move(u);  // the JSON name is aliOSS, not aliOss
  }
};

}  // namespace

namespace {

// Outputs name their storage; "" is the default one (loading made sure each name exists).
const config::Storage& storage_for(const std::string& name, const RequestStorages& storages) {
  if (!name.empty()) {
    if (auto it = storages.named.find(name); it != storages.named.end()) return it->second;
  }
  return storages.fallback.value();
}

template <typename Number>
void put_number(json::object& out, std::string_view name, Number value) {
  if (value != 0) out[name] = value;
}

json::object encoding_json(const config::Encoding& e) {
  json::object out;
  put_number(out, "width", e.width);
  put_number(out, "height", e.height);
  put_number(out, "depth", e.depth);
  put_number(out, "framerate", e.framerate);
  put(out, "audioCodec", e.audio_codec);
  put_number(out, "audioBitrate", e.audio_bitrate);
  put_number(out, "audioQuality", e.audio_quality);
  put_number(out, "audioFrequency", e.audio_frequency);
  put(out, "videoCodec", e.video_codec);
  put_number(out, "videoBitrate", e.video_bitrate);
  put_number(out, "videoQuality", e.video_quality);
  put_number(out, "keyFrameInterval", e.key_frame_interval);
  return out;
}

json::array one(json::object output) {
  json::array out;
  out.emplace_back(std::move(output));
  return out;
}

}  // namespace

std::string room_composite_request(std::string_view room_name, const config::Recording& recording,
                                   const RequestStorages& storages) {
  json::object request;
  request["roomName"] = room_name;
  put(request, "layout", recording.layout);
  if (recording.audio_only) request["audioOnly"] = true;
  if (recording.video_only) request["videoOnly"] = true;
  put(request, "audioMixing", recording.audio_mixing);
  put(request, "customBaseUrl", recording.custom_base_url);
  put(request, "preset", recording.preset);
  if (recording.advanced) request["advanced"] = encoding_json(*recording.advanced);
  if (const auto& file = recording.file) {
    json::object out;
    out["fileType"] = config::to_string(file->type);
    put(out, "filepath", file->path);
    std::visit(UploadJson{out}, storage_for(file->storage, storages));
    request["fileOutputs"] = one(std::move(out));
  }
  if (const auto& segments = recording.segments) {
    json::object out;
    put(out, "filenamePrefix", segments->filename_prefix);
    put(out, "playlistName", segments->playlist_name);
    put(out, "livePlaylistName", segments->live_playlist_name);
    put_number(out, "segmentDuration", segments->segment_duration);
    std::visit(UploadJson{out}, storage_for(segments->storage, storages));
    request["segmentOutputs"] = one(std::move(out));
  }
  if (const auto& stream = recording.stream) {
    json::object out;
    out["protocol"] = stream->protocol;
    json::array urls;
    for (const std::string& url : stream->urls) urls.emplace_back(url);
    out["urls"] = std::move(urls);
    request["streamOutputs"] = one(std::move(out));
  }
  if (const auto& images = recording.images) {
    json::object out;
    put_number(out, "captureInterval", images->capture_interval);
    put_number(out, "width", images->width);
    put_number(out, "height", images->height);
    put(out, "filenamePrefix", images->filename_prefix);
    std::visit(UploadJson{out}, storage_for(images->storage, storages));
    request["imageOutputs"] = one(std::move(out));
  }
  return json::serialize(request);
}

std::string redact_stream_url(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return "<redacted>";
  const std::size_t host_begin = scheme_end + 3;
  const std::size_t host_end = std::min(url.find_first_of("/?#", host_begin), url.size());
  std::string_view authority = url.substr(host_begin, host_end - host_begin);
  std::string out(url.substr(0, host_begin));
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    out += "<redacted>@";
    authority.remove_prefix(at + 1);
  }
  out += authority;
  std::string_view rest = url.substr(host_end);
  if (rest.empty()) return out;
  // "/app/<key>": the application name is kept, everything after it may be a key.
  if (rest.starts_with("/")) {
    const auto second = rest.find_first_of("/?#", 1);
    if (second != std::string_view::npos) {
      out += rest.substr(0, second + 1);
      return out + "<redacted>";
    }
    return out + "/<redacted>";
  }
  return out + rest.front() + "<redacted>";
}

namespace {

void redact(json::value& value) {
  if (json::object* object = value.if_object()) {
    for (auto& [key, item] : *object) {
      if (key == "secret" || key == "sessionToken" || key == "accountKey" || key == "credentials" ||
          key == "password") {
        if (item.is_string() && !item.get_string().empty()) item = "<redacted>";
      } else if (key == "urls" && item.is_array()) {
        for (json::value& url : item.get_array()) {
          if (url.is_string()) url = redact_stream_url(url.get_string());
        }
      } else if (item.is_string() && util::has_url_user_info(item.get_string())) {
        item = util::redact_url_passwords(item.get_string());  // an endpoint, a proxy URL
      } else {
        redact(item);
      }
    }
  } else if (json::array* array = value.if_array()) {
    for (json::value& item : *array) redact(item);
  }
}

}  // namespace

std::string redact_request(std::string_view request) {
  boost::system::error_code ec;
  json::value value = json::parse(request, ec);
  if (ec) return "<not shown: not JSON>";
  redact(value);
  return json::serialize(value);
}

}  // namespace ar::livekit

namespace ar::livekit {

namespace {

// EgressStatus by number, for servers that send enums as numbers.
constexpr std::array<std::string_view, 7> kStatusNames{
    "EGRESS_STARTING", "EGRESS_ACTIVE",  "EGRESS_ENDING",       "EGRESS_COMPLETE",
    "EGRESS_FAILED",   "EGRESS_ABORTED", "EGRESS_LIMIT_REACHED"};

std::string string_field(const json::object& object, std::string_view snake,
                         std::string_view camel) {
  const json::value* value = proto_field(object, camel, snake);
  return value != nullptr && value->is_string() ? std::string(value->get_string()) : "";
}

std::optional<EgressInfo> read_egress(const json::object& object) {
  EgressInfo info;
  info.egress_id = string_field(object, "egress_id", "egressId");
  if (info.egress_id.empty()) return std::nullopt;
  info.room_name = string_field(object, "room_name", "roomName");
  if (const json::value* status = object.if_contains("status")) {
    if (status->is_string()) {
      info.status = std::string(status->get_string());
    } else if (status->is_int64() && status->get_int64() >= 0 &&
               status->get_int64() < static_cast<std::int64_t>(kStatusNames.size())) {
      info.status = std::string(kStatusNames.at(static_cast<std::size_t>(status->get_int64())));
    }
  } else {
    info.status = "EGRESS_STARTING";  // the zero value, left out by protobuf JSON
  }
  const json::value* composite = proto_field(object, "roomComposite", "room_composite");
  info.room_composite = composite != nullptr && composite->is_object();
  return info;
}

std::optional<json::object> parse_object(std::string_view text) {
  boost::system::error_code ec;
  json::value root = json::parse(text, ec);
  if (ec || !root.is_object()) return std::nullopt;
  return std::move(root.get_object());
}

}  // namespace

bool is_active_status(std::string_view status) {
  return status == "EGRESS_STARTING" || status == "EGRESS_ACTIVE" || status == "EGRESS_ENDING";
}

std::optional<EgressInfo> parse_egress_info(std::string_view text) {
  const auto object = parse_object(text);
  if (!object) return std::nullopt;
  return read_egress(*object);
}

std::string list_egress_request(std::string_view room_name, bool active) {
  json::object request;
  request["roomName"] = room_name;
  if (active) request["active"] = true;
  return json::serialize(request);
}

std::optional<std::vector<EgressInfo>> parse_egress_list(std::string_view text) {
  const auto object = parse_object(text);
  if (!object) return std::nullopt;
  std::vector<EgressInfo> out;
  const json::value* items = object->if_contains("items");
  if (items == nullptr || items->is_null()) return out;
  if (!items->is_array()) return std::nullopt;
  for (const json::value& item : items->get_array()) {
    if (!item.is_object()) return std::nullopt;
    if (auto info = read_egress(item.get_object())) out.push_back(std::move(*info));
  }
  return out;
}

}  // namespace ar::livekit
