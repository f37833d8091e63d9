#include "server/routes.hpp"

#include "telemetry/log.hpp"

namespace ar::server {
namespace {

std::string_view path_of(std::string_view target) {
  return target.substr(0, target.find('?'));
}

HttpResponse text(unsigned status, std::string_view body) {
  HttpResponse answer;
  answer.status = status;
  answer.body = std::string(body) + "\n";
  return answer;
}

}  // namespace

Routes::Routes(const livekit::WebhookVerifier& verifier, recorder::Recorder& recorder)
    : verifier_(verifier), recorder_(recorder) {}

HttpResponse Routes::handle(const HttpRequest& request) {
  const std::string_view path = path_of(request.target);
  if (path == "/webhook-receiver") {
    if (request.method != "POST") {
      HttpResponse answer = text(405, "use POST for webhooks");
      answer.allow = "POST";
      return answer;
    }
    return webhook(request);
  }
  if (path == "/livez") return text(200, "ok");
  if (path == "/readyz") {
    return shutting_down_.load() ? text(503, "shutting down") : text(200, "ready");
  }
  return text(404, "not found: webhooks go to POST /webhook-receiver");
}

HttpResponse Routes::webhook(const HttpRequest& request) {
  const livekit::WebhookResult result =
      verifier_.verify(request.authorization, request.body, livekit::Clock::now());
  if (!result.ok()) {
    const unsigned status = result.is_auth_failure() ? 401 : 400;
    log::warn("webhook rejected",
              {{"status", status == 401 ? "401" : "400"}, {"reason", result.reason}});
    return text(status, result.reason);
  }
  switch (recorder_.on_webhook(result.event)) {
    case recorder::Verdict::kAccepted:
      return text(200, "ok");
    case recorder::Verdict::kBusy:
      return text(503, "busy: too many rooms waiting to start, retry later");
    case recorder::Verdict::kShuttingDown:
      return text(503, "shutting down, retry later");
  }
  return text(200, "ok");
}

}  // namespace ar::server
