#include "server/routes.hpp"

#include <chrono>

#include "model/verdict.hpp"
#include "telemetry/log.hpp"
#include "telemetry/metrics.hpp"
#include "telemetry/service_metrics.hpp"

namespace ar::server {
namespace {

std::string_view path_of(std::string_view target) {
  return target.substr(0, target.find('?'));
}

}  // namespace

Routes::Routes(const livekit::WebhookVerifier& verifier, recorder::Recorder& recorder,
               LedgerApi* api)
    : verifier_(verifier), recorder_(recorder), api_(api) {}

void Routes::handle(const HttpRequest& request, Responder respond) {
  if (path_of(request.target) == "/webhook-receiver") {
    if (request.method != "POST") {
      metrics::webhook_rejected("method_not_allowed");
      HttpResponse answer = HttpResponse::text(405, "use POST for webhooks");
      answer.allow = "POST";
      return respond(std::move(answer));
    }
    const auto started = std::chrono::steady_clock::now();
    HttpResponse answer = webhook(request);
    metrics::webhook_seconds(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    return respond(std::move(answer));
  }
  if (LedgerApi::owns(path_of(request.target))) {
    if (api_ != nullptr) return api_->handle(request, std::move(respond));
    HttpResponse off = HttpResponse::text(404, "not found: the API is off until api_token is set");
    off.confidential = true;
    return respond(std::move(off));
  }
  respond(handle_health(request));
}

HttpResponse Routes::handle_health(const HttpRequest& request) {
  const std::string_view path = path_of(request.target);
  const bool known = path == "/livez" || path == "/readyz" || path == "/metrics";
  if (known && request.method != "GET" && request.method != "HEAD") {
    metrics::webhook_rejected("method_not_allowed");
    HttpResponse answer = HttpResponse::text(405, "use GET or HEAD");
    answer.allow = "GET, HEAD";
    return answer;
  }
  if (path == "/livez") return HttpResponse::text(200, "ok");
  if (path == "/readyz") {
    return shutting_down_.load() ? HttpResponse::text(503, "shutting down")
                                 : HttpResponse::text(200, "ready");
  }
  if (path == "/metrics") {
    HttpResponse answer;
    answer.body = metrics::registry().render();
    answer.content_type = "text/plain; version=0.0.4; charset=utf-8";
    return answer;
  }
  return HttpResponse::text(404, "not found: webhooks go to POST /webhook-receiver");
}

HttpResponse Routes::webhook(const HttpRequest& request) {
  // One per server thread, refilled by each webhook: no allocation once its strings fit.
  thread_local livekit::WebhookResult result;
  verifier_.verify(request.authorization, request.body, livekit::Clock::now(), result);
  if (!result.ok()) {
    metrics::webhook_rejected(result.label());
    const unsigned status = result.is_auth_failure() ? 401 : 400;
    log::warn("webhook rejected",
              {{"status", status == 401 ? "401" : "400"}, {"reason", result.reason}});
    return HttpResponse::text(status, result.reason);
  }
  const model::Verdict verdict = recorder_.on_webhook(result.event);
  metrics::webhook_verified(result.event.event, verdict);
  switch (verdict) {
    case model::Verdict::kAccepted:
      return HttpResponse::text(200, "ok");
    case model::Verdict::kSkipped:
      return HttpResponse::text(200, "ok: not recorded (recording policy)");
    case model::Verdict::kDuplicate:
      return HttpResponse::text(200, "ok: duplicate");
    case model::Verdict::kStopped:
      return HttpResponse::text(200,
                                "ok: not recorded again (its recording was stopped on purpose)");
    case model::Verdict::kBusy:
      return HttpResponse::text(503, "busy: too many rooms waiting to start, retry later");
    case model::Verdict::kShuttingDown:
      return HttpResponse::text(503, "shutting down, retry later");
  }
  return HttpResponse::text(200, "ok");
}

}  // namespace ar::server
