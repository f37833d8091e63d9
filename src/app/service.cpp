#include "app/service.hpp"

#include <malloc.h>

#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <memory>
#include <random>
#include <stdexcept>
#include <vector>

#include "app/ledger_setup.hpp"
#include "app/messages.hpp"
#include "app/notifications.hpp"
#include "app/recorder_telemetry.hpp"
#include "coordination/coordination.hpp"
#include "ledger/open.hpp"
#include "ledger/readers.hpp"
#include "ledger/writer.hpp"
#include "livekit/twirp_client.hpp"
#include "livekit/twirp_egress_api.hpp"
#include "livekit/twirp_error.hpp"
#include "livekit/webhook.hpp"
#include "recorder/reconciler.hpp"
#include "recorder/recorder.hpp"
#include "recording/policy.hpp"
#include "server/http_server.hpp"
#include "server/ledger_api.hpp"
#include "server/routes.hpp"
#include "server/shutdown.hpp"
#include "telemetry/log.hpp"
#include "telemetry/process_metrics.hpp"
#include "telemetry/service_metrics.hpp"
#include "util/asio_timers.hpp"

namespace ar::app {
namespace {

namespace asio = boost::asio;

livekit::TwirpOptions twirp_options(const config::Config& config) {
  return {.base_url = config.livekit.url,
          .api_key = config.livekit.api_key,
          .api_secret = config.livekit.api_secret,
          .ca_file = config.livekit.ca_file,
          .insecure_skip_verify = config.livekit.insecure_skip_verify,
          .connect_timeout = config.livekit.connect_timeout,
          .request_timeout = config.livekit.request_timeout,
          .max_concurrent = config.delivery.egress_concurrency,
          .proxy = config.livekit.proxy,
          .on_call = [](std::string_view method, const livekit::TwirpReply& reply,
                        std::chrono::duration<double> took) {
            metrics::api_call(method, livekit::outcome_of(reply.code), took.count());
          }};
}

std::unique_ptr<coordination::Coordination> open_coordination(const config::Config& config) {
  if (!config.redis.enabled()) return nullptr;
  return std::make_unique<coordination::Coordination>(config.redis, config.livekit.request_timeout,
                                                      config.delivery.dedupe_ttl, redis_state);
}

// 64 bits: the seed also names this process in the ledger's retry keys.
std::uint64_t random_seed() {
  std::random_device random;
  return (std::uint64_t{random()} << 32U) | random();
}

server::HttpLimits http_limits(const config::Server& server) {
  return {.max_body_bytes = server.max_body_bytes,
          .max_header_bytes = server.max_header_bytes,
          .max_connections = server.max_connections,
          .idle_timeout = server.idle_timeout,
          .header_timeout = server.header_timeout,
          .body_timeout = server.body_timeout};
}

class Service {
 public:
  explicit Service(const config::Config& config);
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;
  ~Service() = default;

  void run();

 private:
  void publish_gauges();
  void listen();
  server::ShutdownSteps shutdown_steps();
  void on_reload(boost::system::error_code ec);
  void on_signal(boost::system::error_code ec, int signal);
  void say_ready();
  void stop_threads();

  const config::Config& config_;
  livekit::TwirpClient client_;
  livekit::TwirpEgressApi api_;
  std::unique_ptr<coordination::Coordination> coordination_;
  Notifications notifications_;  // before the ledger, which wakes it
  std::unique_ptr<ledger::Writer> ledger_;
  util::AsioTimers timers_;
  const recording::Policy policy_;
  RecorderTelemetry told_;
  recorder::Recorder recorder_;
  recorder::Reconciler reconciler_;
  const livekit::WebhookVerifier verifier_;
  std::unique_ptr<ledger::Readers> ledger_readers_;
  server::LedgerApi api_routes_;
  server::Routes routes_;
  server::IoPool pool_;
  server::HttpServer http_;
  server::HttpServer health_;
  std::vector<server::HttpServer*> listeners_{&http_};
  const server::TlsFiles tls_;
  server::Shutdown shutdown_;
  asio::signal_set reload_;
  asio::signal_set signals_;
};

Service::Service(const config::Config& config)
    : config_(config),
      client_(twirp_options(config)),
      api_(client_, {config.storage, config.storages}, config.livekit.flavour, egress_api_chosen),
      coordination_(open_coordination(config)),
      notifications_(config.notify, config.ledger),
      ledger_(open_ledger(config.ledger, [this] { notifications_.wake(); })),
      policy_(config.recording, config.rules),
      recorder_({.policy = policy_,
                 .delivery = config.delivery,
                 .api = api_,
                 .timers = timers_,
                 .events = told_,
                 .claims = coordination_.get(),
                 .journal = ledger_.get(),
                 .seed = random_seed()}),
      reconciler_(recorder_, api_, timers_, config.delivery.reconcile_interval, coordination_.get(),
                  {ledger_.get(), ledger_.get()}),
      verifier_(config.webhook.api_key, config.webhook.api_secret, config.webhook.leeway,
                policy_.records_subjects()),
      ledger_readers_(open_ledger_readers(config, ledger_ != nullptr)),
      api_routes_(config.api_token, ledger_readers_.get(), config.ledger.query_timeout),
      routes_(verifier_, recorder_, &api_routes_),
      pool_(config.server.threads),
      // Refusals count as rejected webhooks on the main listener only: probes have their own.
      http_(pool_, http_limits(config.server),
            [this](const server::HttpRequest& r, server::Responder respond) {
              routes_.handle(r, std::move(respond));
            },
            {.refused = [](std::string_view reason) { metrics::webhook_rejected(reason); },
             .evicted = [] { metrics::connection_evicted(); }}),
      health_(pool_, http_limits(config.server),
              [this](const server::HttpRequest& r, server::Responder respond) {
                respond(routes_.handle_health(r));
              }),
      tls_{config.server.tls_cert_file, config.server.tls_key_file},
      // Signals and the shutdown sequence run on the main context, which one thread runs.
      shutdown_(pool_.main().get_executor(), shutdown_steps(), config.server.shutdown_delay,
                config.server.shutdown_timeout),
      reload_(pool_.main(), SIGHUP),
      signals_(pool_.main(), SIGINT, SIGTERM) {
  publish_gauges();
  listen();
}

void Service::publish_gauges() {
  metrics::publish_build_info(AUTO_RECORDER_VERSION);
  metrics::publish_process_metrics();
  metrics::initialise_series(livekit::call_outcomes());
  metrics::track_pending_starts([this] { return static_cast<double>(recorder_.pending()); });
  // Every ledger series exists from startup, at 0 while the ledger is off.
  const auto of_ledger = [this](auto read) {
    return [this, read] { return ledger_ ? static_cast<double>(read(*ledger_)) : 0.0; };
  };
  metrics::track_ledger(ledger_ != nullptr, of_ledger([](auto& l) { return l.queued(); }),
                        of_ledger([](auto& l) { return l.queued_bytes(); }),
                        of_ledger([](auto& l) { return l.dropped(); }),
                        of_ledger([](auto& l) { return l.write_errors(); }),
                        of_ledger([](auto& l) { return l.files_gone(); }));
  metrics::track_api_calls_in_flight([this] { return static_cast<double>(client_.outstanding()); });
  metrics::track_coordination(
      [this] { return coordination_ && !coordination_->up() ? 1.0 : 0.0; },
      [this] { return reconciler_.leading() ? 1.0 : 0.0; },
      [this] {
        return coordination_ ? static_cast<double>(coordination_->refused_replies()) : 0.0;
      });
}

void Service::listen() {
  try {
    if (!tls_.cert_file.empty()) http_.use_tls(tls_);
    http_.listen({asio::ip::tcp::v4(), config_.server.port});
    if (config_.server.health_port != 0) {
      health_.listen({asio::ip::tcp::v4(), config_.server.health_port});
      listeners_.push_back(&health_);
    }
  } catch (const std::exception& e) {
    throw StartupError(e.what());
  }
}

server::ShutdownSteps Service::shutdown_steps() {
  return {.not_ready =
              [this] {
                routes_.set_shutting_down();
                metrics::set_ready(false);
              },
          .stop_new_work =
              [this] {
                reconciler_.stop();
                recorder_.shut_down();
              },
          .stop_accepting =
              [this] {
                for (server::HttpServer* listener : listeners_) listener->stop_accepting();
              },
          .in_flight =
              [this] {
                return client_.outstanding() + (coordination_ ? coordination_->outstanding() : 0);
              },
          .stop = [this] { pool_.main().stop(); }};
}

// SIGHUP: load the TLS certificate again (after a renewal); open connections keep theirs.
void Service::on_reload(boost::system::error_code ec) {
  if (ec) return;
  if (tls_.cert_file.empty()) {
    log::info("SIGHUP: nothing to reload (no tls_cert_file)");
  } else {
    try {
      http_.use_tls(tls_);
      log::info("SIGHUP: TLS certificate reloaded", {{"tls_cert_file", tls_.cert_file}});
    } catch (const std::exception& e) {
      log::error("SIGHUP: TLS certificate not reloaded, keeping the current one",
                 {{"error", e.what()}});
    }
  }
  reload_.async_wait([this](boost::system::error_code next, int) { on_reload(next); });
}

void Service::on_signal(boost::system::error_code ec, int signal) {
  if (ec) return;
  shutdown_.begin(signal);
  signals_.async_wait(
      [this](boost::system::error_code next, int again) { on_signal(next, again); });
}

void Service::say_ready() {
  metrics::set_ready(true);
  const config::Config& c = config_;
  const std::uint16_t health_port = c.server.health_port != 0 ? health_.port() : http_.port();
  log::info("auto-recorder ready",
            {{"version", AUTO_RECORDER_VERSION},
             {"port", std::to_string(http_.port())},
             {"scheme", http_.tls() ? "https" : "http"},
             {"health_port", std::to_string(health_port)},
             {"livekit", c.livekit.url},
             {"egress_api", api_.start_api()},
             {"proxy", c.livekit.proxy ? std::string_view(c.livekit.proxy->shown) : "none"},
             {"storage", c.storage ? recording::storage_name(*c.storage) : "storages only"},
             {"replica", coordination_ ? coordination_->replica_id() : std::string_view("alone")},
             {"ledger", ledger_ ? ledger::where(c.ledger) : std::string("off")},
             {"config", c.source}});
}

void Service::run() {
  reload_.async_wait([this](boost::system::error_code ec, int) { on_reload(ec); });
  signals_.async_wait([this](boost::system::error_code ec, int signal) { on_signal(ec, signal); });
  say_ready();
  notifications_.start();  // the ledger is open: its writer made it
  reconciler_.start();
  pool_.run();
  stop_threads();
}

// The other threads stop before the objects they use are destroyed: API answers, claims and
// timer callbacks reach the recorder and reconciler. Then what the ledger still holds is
// written, for a moment: a database that is down loses it (or it goes to the spill file).
void Service::stop_threads() {
  if (ledger_readers_) ledger_readers_->stop();
  notifications_.stop();
  reconciler_.stop();
  client_.stop();
  if (coordination_) coordination_->stop();
  timers_.stop();
  if (ledger_) ledger_->stop(std::chrono::seconds(2));
}

}  // namespace

int run_service(const config::Config& config) {
  // Blocks of 256 KiB and more (a reconcile pass's lists at 30 000 rooms) are mapped for each use
  // and handed back when freed: glibc otherwise raises this threshold to the largest block freed
  // and keeps such blocks resident between passes (docs/performance.md, scale). Before any thread.
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);  // NOLINT(concurrency-mt-unsafe)
  log::setup(config.log);
  for (const std::string& warning : config.warnings) log::warn(warning);
  try {
    Service service(config);
    service.run();
    return 0;
  } catch (const StartupError& e) {
    log::error(e.what());
    return 1;
  }
}

}  // namespace ar::app
