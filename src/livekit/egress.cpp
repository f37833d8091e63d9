#include "livekit/egress.hpp"

#include <boost/json.hpp>

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

std::string room_composite_request(std::string_view room_name, const config::Recording& recording,
                                   const config::Storage& storage) {
  json::object file;
  file["fileType"] = config::to_string(recording.file_type);
  put(file, "filepath", recording.file_path);
  std::visit(UploadJson{file}, storage);

  json::object request;
  request["roomName"] = room_name;
  put(request, "layout", recording.layout);
  request["fileOutputs"] = json::array{std::move(file)};
  return json::serialize(request);
}

}  // namespace ar::livekit

namespace ar::livekit {

std::optional<EgressInfo> parse_egress_info(std::string_view text) {
  boost::system::error_code ec;
  const json::value root = json::parse(text, ec);
  if (ec || !root.is_object()) return std::nullopt;
  const json::object& object = root.get_object();
  auto read = [&](std::string_view snake, std::string_view camel) -> std::string {
    const json::value* value = object.if_contains(snake);
    if (value == nullptr) value = object.if_contains(camel);
    return value != nullptr && value->is_string() ? std::string(value->get_string()) : "";
  };
  EgressInfo info{read("egress_id", "egressId"), read("status", "status")};
  if (info.egress_id.empty()) return std::nullopt;
  return info;
}

}  // namespace ar::livekit
