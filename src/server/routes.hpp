#pragma once
// Maps HTTP paths to the service: /webhook-receiver, /livez, /readyz, /metrics, and the ledger's
// /v1/. The only place that turns webhook outcomes into HTTP status codes.
#include <atomic>

#include "livekit/webhook.hpp"
#include "recorder/recorder.hpp"
#include "server/http.hpp"
#include "server/ledger_api.hpp"

namespace ar::server {

class Routes {
 public:
  // `api`: the ledger's API under /v1/ (null: 404 there).
  Routes(const livekit::WebhookVerifier& verifier, recorder::Recorder& recorder,
         LedgerApi* api = nullptr);

  // Everything: webhooks, probes and metrics at once; the ledger's API when it answers (a Handler).
  void handle(const HttpRequest& request, Responder respond);
  // Probes and metrics only, for the optional health_port.
  HttpResponse handle_health(const HttpRequest& request);

  // From now on /readyz answers 503, so Kubernetes stops sending traffic.
  void set_shutting_down() { shutting_down_.store(true); }

 private:
  HttpResponse webhook(const HttpRequest& request);

  const livekit::WebhookVerifier& verifier_;
  recorder::Recorder& recorder_;
  LedgerApi* api_;
  std::atomic<bool> shutting_down_{false};
};

}  // namespace ar::server
