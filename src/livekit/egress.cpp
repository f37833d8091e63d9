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

void put_proxy(json::object& out, const std::optional<recording::StorageProxy>& proxy) {
  if (!proxy) return;
  json::object p;
  put(p, "url", proxy->url);
  put(p, "username", proxy->username);
  put(p, "password", proxy->password);
  out["proxy"] = std::move(p);
}

struct UploadJson {
  json::object& output;

  void operator()(const recording::S3Storage& s3) const {
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

  void operator()(const recording::AzureStorage& azure) const {
    json::object u;
    put(u, "accountName", azure.account_name);
    put(u, "accountKey", azure.account_key);
    put(u, "containerName", azure.container_name);
    output["azure"] = std::move(u);
  }

  void operator()(const recording::GcpStorage& gcp) const {
    json::object u;
    put(u, "credentials", gcp.credentials_json);
    put(u, "bucket", gcp.bucket);
    put_proxy(u, gcp.proxy);
    output["gcp"] = std::move(u);
  }

  // Egress uploads with its own configured storage.
  void operator()(const recording::EgressStorage& /*unused*/) const {}

  void operator()(const recording::AliOssStorage& oss) const {
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
const recording::Storage& storage_for(const std::string& name, const RequestStorages& storages) {
  if (!name.empty()) {
    if (auto it = storages.named.find(name); it != storages.named.end()) return it->second;
  }
  return storages.fallback.value();
}

template <typename Number>
void put_number(json::object& out, std::string_view name, Number value) {
  if (value != 0) out[name] = value;
}

json::object encoding_json(const recording::Encoding& e) {
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

json::object file_json(const recording::FileOutput& file) {
  json::object out;
  out["fileType"] = recording::to_string(file.type);
  put(out, "filepath", file.path);
  return out;
}

json::object segments_json(const recording::SegmentsOutput& segments) {
  json::object out;
  put(out, "filenamePrefix", segments.filename_prefix);
  put(out, "playlistName", segments.playlist_name);
  put(out, "livePlaylistName", segments.live_playlist_name);
  put_number(out, "segmentDuration", segments.segment_duration);
  return out;
}

json::object stream_json(const recording::StreamOutput& stream) {
  json::object out;
  out["protocol"] = stream.protocol;
  json::array urls;
  for (const std::string& url : stream.urls) urls.emplace_back(url);
  out["urls"] = std::move(urls);
  return out;
}

json::object images_json(const recording::ImagesOutput& images) {
  json::object out;
  put_number(out, "captureInterval", images.capture_interval);
  put_number(out, "width", images.width);
  put_number(out, "height", images.height);
  put(out, "filenamePrefix", images.filename_prefix);
  return out;
}

// What the room looks like: the legacy request's own fields, the unified one's template source.
void put_template(json::object& out, const recording::Plan& recording) {
  put(out, "layout", recording.layout);
  if (recording.audio_only) out["audioOnly"] = true;
  if (recording.video_only) out["videoOnly"] = true;
  put(out, "customBaseUrl", recording.custom_base_url);
}

// The encoding both requests carry the same way: a preset's name, or advanced options.
void put_encoding(json::object& request, const recording::Plan& recording) {
  put(request, "preset", recording.preset);
  if (recording.advanced) request["advanced"] = encoding_json(*recording.advanced);
}

// A legacy output carries its upload inside it.
json::object with_upload(json::object output, const std::string& storage,
                         const RequestStorages& storages) {
  std::visit(UploadJson{output}, storage_for(storage, storages));
  return output;
}

// A unified Output: one kind of output, and its StorageConfig beside it (none: egress's own).
json::object unified_output(std::string_view kind, json::object config, const std::string& storage,
                            const RequestStorages* storages) {
  json::object out;
  out[kind] = std::move(config);
  if (storages != nullptr) {
    json::object provider;
    std::visit(UploadJson{provider}, storage_for(storage, *storages));
    if (!provider.empty()) out["storage"] = std::move(provider);
  }
  return out;
}

}  // namespace

std::string room_composite_request(std::string_view room_name, const recording::Plan& recording,
                                   const RequestStorages& storages) {
  json::object request;
  request["roomName"] = room_name;
  put_template(request, recording);
  put(request, "audioMixing", recording.audio_mixing);
  put_encoding(request, recording);
  if (const auto& file = recording.file) {
    request["fileOutputs"] = one(with_upload(file_json(*file), file->storage, storages));
  }
  if (const auto& segments = recording.segments) {
    request["segmentOutputs"] =
        one(with_upload(segments_json(*segments), segments->storage, storages));
  }
  if (const auto& stream = recording.stream) request["streamOutputs"] = one(stream_json(*stream));
  if (const auto& images = recording.images) {
    request["imageOutputs"] = one(with_upload(images_json(*images), images->storage, storages));
  }
  return json::serialize(request);
}

bool unified_expresses(const recording::Plan& recording) {
  return recording.audio_mixing.empty();
}

std::string unified_room_request(std::string_view room_name, const recording::Plan& recording,
                                 const RequestStorages& storages) {
  json::object source;
  put_template(source, recording);
  json::object request;
  request["roomName"] = room_name;
  request["template"] = std::move(source);
  put_encoding(request, recording);
  json::array outputs;
  if (const auto& file = recording.file) {
    outputs.emplace_back(unified_output("file", file_json(*file), file->storage, &storages));
  }
  if (const auto& segments = recording.segments) {
    outputs.emplace_back(
        unified_output("segments", segments_json(*segments), segments->storage, &storages));
  }
  if (const auto& stream = recording.stream) {
    outputs.emplace_back(unified_output("stream", stream_json(*stream), {}, nullptr));
  }
  if (const auto& images = recording.images) {
    outputs.emplace_back(
        unified_output("images", images_json(*images), images->storage, &storages));
  }
  request["outputs"] = std::move(outputs);
  return json::serialize(request);
}

namespace {

// A participant's file: the room's file output (type, storage) at the participants' path.
json::object participant_file(const recording::Plan& recording) {
  recording::FileOutput file = recording.file.value();
  file.path = recording.subjects.participant_file_path;
  return file_json(file);
}

}  // namespace

std::string participant_request(std::string_view room_name, const recording::Plan& recording,
                                std::string_view identity, const RequestStorages& storages) {
  json::object request;
  request["roomName"] = room_name;
  request["identity"] = identity;
  put_encoding(request, recording);
  request["fileOutputs"] =
      one(with_upload(participant_file(recording), recording.file->storage, storages));
  return json::serialize(request);
}

std::string unified_participant_request(std::string_view room_name,
                                        const recording::Plan& recording, std::string_view identity,
                                        const RequestStorages& storages) {
  json::object media;
  if (!recording.audio_only) {
    json::object video;
    video["identity"] = identity;
    media["participantVideo"] = std::move(video);
  }
  if (!recording.video_only) {
    json::object route;
    route["participantIdentity"] = identity;
    json::object audio;
    audio["routes"] = one(std::move(route));
    media["audio"] = std::move(audio);
  }
  json::object request;
  request["roomName"] = room_name;
  request["media"] = std::move(media);
  put_encoding(request, recording);
  request["outputs"] =
      one(unified_output("file", participant_file(recording), recording.file->storage, &storages));
  return json::serialize(request);
}

std::string track_request(std::string_view room_name, const recording::Plan& recording,
                          std::string_view track_id, const RequestStorages& storages) {
  json::object file;
  put(file, "filepath", recording.subjects.track_file_path);
  json::object request;
  request["roomName"] = room_name;
  request["trackId"] = track_id;
  request["file"] = with_upload(std::move(file), recording.file->storage, storages);
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

std::string stop_egress_request(std::string_view egress_id) {
  json::object request;
  request["egressId"] = egress_id;
  return json::serialize(request);
}

std::string list_egress_request(std::string_view room_name, bool active) {
  json::object request;
  request["roomName"] = room_name;
  if (active) request["active"] = true;
  return json::serialize(request);
}

}  // namespace ar::livekit
