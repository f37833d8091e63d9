// Wiring only: flags, configuration, start, signals.
#include <malloc.h>
#include <openssl/crypto.h>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <iostream>
#include <random>
#include <thread>
#include <vector>

#include "build_info.hpp"
#include "config/describe.hpp"
#include "config/environment_names.hpp"
#include "config/load.hpp"
#include "coordination/coordination.hpp"
#include "ledger/open.hpp"
#include "ledger/report_command.hpp"
#include "ledger/spill.hpp"
#include "ledger/writer.hpp"
#include "livekit/egress.hpp"
#include "livekit/twirp_client.hpp"
#include "livekit/twirp_egress_api.hpp"
#include "livekit/twirp_error.hpp"
#include "livekit/webhook.hpp"
#include "recorder/reconciler.hpp"
#include "recorder/recorder.hpp"
#include "recording/policy.hpp"
#include "server/http_server.hpp"
#include "server/routes.hpp"
#include "server/shutdown.hpp"
#include "telemetry/log.hpp"
#include "telemetry/log_text.hpp"
#include "telemetry/process_metrics.hpp"
#include "telemetry/service_metrics.hpp"
#include "util/asio_timers.hpp"
#include "util/redact.hpp"

namespace {

namespace asio = boost::asio;
using namespace ar;

// What a spill file of the last stop held, now written first.
void report_replay(std::size_t entries, std::size_t unreadable, std::string_view error) {
  const std::string count = std::to_string(entries);
  const std::string bad = std::to_string(unreadable);
  if (!error.empty()) {
    log::error("ledger: the spill file of the last stop cannot be read; its entries are lost",
               {{"error", error}});
  } else if (unreadable > 0) {
    log::error("ledger: lines of the spill file of the last stop are not entries and are lost",
               {{"entries", count}, {"lost", bad}});
  }
  if (entries > 0) {
    log::info("ledger: writing what the last stop could not, before anything new",
              {{"entries", count}});
  }
}

// What was left queued at a stop, because the store did not answer.
void report_spill(std::size_t entries, std::string_view error) {
  const std::string count = std::to_string(entries);
  if (error.empty()) {
    log::warn("ledger unreachable at stop: entries kept in the spill file for the next start",
              {{"entries", count}});
  } else {
    log::error("ledger unreachable at stop and the spill file cannot be written: entries lost",
               {{"lost", count}, {"error", error}});
  }
}

int run(const config::Config& config) {
  // Blocks of 256 KiB and more (a reconcile pass's lists at 30 000 rooms) are mapped for each use
  // and handed back when freed: glibc otherwise raises this threshold to the largest block freed
  // and keeps such blocks resident between passes (docs/performance.md, scale). Before any thread.
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);  // NOLINT(concurrency-mt-unsafe)
  log::setup(config.log);
  for (const std::string& warning : config.warnings) log::warn(warning);

  livekit::TwirpClient client(
      {.base_url = config.livekit.url,
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
       }});
  livekit::TwirpEgressApi api(client, {config.storage, config.storages});
  std::unique_ptr<coordination::Coordination> coordination;
  if (config.redis.enabled()) {
    coordination = std::make_unique<coordination::Coordination>(
        config.redis, config.livekit.request_timeout, config.delivery.dedupe_ttl,
        [](bool up, std::string_view detail) {
          if (up) {
            log::info("Redis reachable: replicas coordinate through claims", {{"redis", detail}});
          } else {
            log::warn(
                "Redis unreachable: recording continues with the ListEgress check alone; "
                "duplicate recordings are possible until it returns",
                {{"error", detail}});
          }
        });
  }
  std::unique_ptr<ledger::Writer> ledger;
  if (config.ledger.enabled) {
    if (const auto problem = ledger::spill_problem(config.ledger.spill_file())) {
      log::warn(
          "ledger: entries still unwritten at a stop cannot be kept for the next start here; set "
          "ledger.spill_path (LEDGER_SPILL_PATH) to a file in a writable directory",
          {{"error", *problem}});
    }
    try {
      ledger = std::make_unique<ledger::Writer>(
          ledger::open_store(config.ledger, ledger::Access::kWrite),
          ledger::WriterOptions{.retention = config.ledger.retention,
                                .on_state =
                                    [](bool ok, std::string_view detail) {
                                      if (ok) {
                                        log::info("ledger writes again: catching up");
                                      } else {
                                        log::warn(
                                            "ledger write failed: entries wait in memory and are "
                                            "written when it works again; recording goes on",
                                            {{"error", detail}});
                                      }
                                    },
                                .on_prune_error =
                                    [](std::string_view detail) {
                                      log::warn(
                                          "ledger retention: old sessions could not be deleted; "
                                          "tried again in an hour",
                                          {{"error", detail}});
                                    },
                                .on_ended =
                                    [](ledger::Status status) {
                                      metrics::room_session_ended(ledger::to_string(status));
                                    },
                                .spill_path = config.ledger.spill_file(),
                                .on_replay = report_replay,
                                .on_spill = report_spill});
    } catch (const ledger::StoreError& e) {
      if (config.ledger.path_set || !config.ledger.postgres_url.empty()) {
        log::error(config.ledger.setting() + " " + e.what());
        return 1;
      }
      log::warn(
          "ledger off: its default file cannot be opened here; set ledger.path (LEDGER_PATH) to "
          "a file on a writable volume, or ledger: off to silence this",
          {{"error", e.what()}});
    }
  }
  util::AsioTimers timers;
  const recording::Policy policy(config.recording, config.rules);
  // 64 bits: the seed also names this process in the ledger's retry keys.
  std::random_device random;
  const std::uint64_t seed = (std::uint64_t{random()} << 32U) | random();
  recorder::Recorder recorder({.policy = policy,
                               .delivery = config.delivery,
                               .api = api,
                               .timers = timers,
                               .claims = coordination.get(),
                               .journal = ledger.get(),
                               .seed = seed});
  recorder::Reconciler reconciler(recorder, api, timers, config.delivery.reconcile_interval,
                                  coordination.get(), {ledger.get(), ledger.get()});
  const livekit::WebhookVerifier verifier(config.webhook.api_key, config.webhook.api_secret,
                                          config.webhook.leeway);
  // The API reads the ledger through a connection of its own: it never blocks the writer.
  std::unique_ptr<ledger::Store> ledger_reader;
  if (ledger && !config.api_token.empty()) {
    try {
      ledger_reader = ledger::open_store(config.ledger, ledger::Access::kRead);
    } catch (const ledger::StoreError& e) {
      log::error(config.ledger.setting() + " " + e.what());
      return 1;
    }
  }
  server::LedgerApi api_routes(config.api_token, ledger_reader.get());
  server::Routes routes(verifier, recorder, &api_routes);

  metrics::publish_build_info(AUTO_RECORDER_VERSION);
  metrics::publish_process_metrics();
  metrics::initialise_series(livekit::call_outcomes());
  metrics::track_pending_starts([&recorder] { return static_cast<double>(recorder.pending()); });
  if (ledger) {
    metrics::track_ledger([&ledger] { return static_cast<double>(ledger->queued()); },
                          [&ledger] { return static_cast<double>(ledger->dropped()); },
                          [&ledger] { return static_cast<double>(ledger->write_errors()); });
  }
  metrics::track_api_calls_in_flight(
      [&client] { return static_cast<double>(client.outstanding()); });
  metrics::track_coordination(
      [&coordination] { return coordination && !coordination->up() ? 1.0 : 0.0; },
      [&reconciler] { return reconciler.leading() ? 1.0 : 0.0; });
  auto in_flight = [&client, &coordination] {
    return client.outstanding() + (coordination ? coordination->outstanding() : 0);
  };

  server::IoPool pool(config.server.threads);
  asio::io_context& io = pool.main();
  const server::HttpLimits limits{.max_body_bytes = config.server.max_body_bytes,
                                  .max_header_bytes = config.server.max_header_bytes,
                                  .max_connections = config.server.max_connections,
                                  .idle_timeout = config.server.idle_timeout,
                                  .header_timeout = config.server.header_timeout,
                                  .body_timeout = config.server.body_timeout};
  // Refusals count as rejected webhooks on the main listener only: probes have their own port.
  const server::HttpEvents counted{
      .refused = [](std::string_view reason) { metrics::webhook_rejected(reason); },
      .evicted = [] { metrics::connection_evicted(); }};
  server::HttpServer http(
      pool, limits, [&routes](const server::HttpRequest& r) { return routes.handle(r); }, counted);
  server::HttpServer health(
      pool, limits, [&routes](const server::HttpRequest& r) { return routes.handle_health(r); });
  std::vector<server::HttpServer*> listeners{&http};
  const server::TlsFiles tls{config.server.tls_cert_file, config.server.tls_key_file};
  try {
    if (!tls.cert_file.empty()) http.use_tls(tls);
    http.listen({asio::ip::tcp::v4(), config.server.port});
    if (config.server.health_port != 0) {
      health.listen({asio::ip::tcp::v4(), config.server.health_port});
      listeners.push_back(&health);
    }
  } catch (const std::exception& e) {
    log::error(e.what());
    return 1;
  }

  // Signals and the shutdown sequence run on the main context, which one thread runs (IoPool).
  server::Shutdown shutdown(io.get_executor(),
                            {.not_ready =
                                 [&routes] {
                                   routes.set_shutting_down();
                                   metrics::set_ready(false);
                                 },
                             .stop_new_work =
                                 [&] {
                                   reconciler.stop();
                                   recorder.shut_down();
                                 },
                             .stop_accepting =
                                 [&listeners] {
                                   for (server::HttpServer* listener : listeners) {
                                     listener->stop_accepting();
                                   }
                                 },
                             .in_flight = in_flight,
                             .stop = [&io] { io.stop(); }},
                            config.server.shutdown_delay, config.server.shutdown_timeout);
  // SIGHUP: load the TLS certificate again (after a renewal); open connections keep theirs.
  asio::signal_set reload(io, SIGHUP);
  std::function<void(boost::system::error_code, int)> on_reload = [&](boost::system::error_code ec,
                                                                      int) {
    if (ec) return;
    if (tls.cert_file.empty()) {
      log::info("SIGHUP: nothing to reload (no tls_cert_file)");
    } else {
      try {
        http.use_tls(tls);
        log::info("SIGHUP: TLS certificate reloaded", {{"tls_cert_file", tls.cert_file}});
      } catch (const std::exception& e) {
        log::error("SIGHUP: TLS certificate not reloaded, keeping the current one",
                   {{"error", e.what()}});
      }
    }
    reload.async_wait(on_reload);
  };
  reload.async_wait(on_reload);
  asio::signal_set signals(io, SIGINT, SIGTERM);
  std::function<void(boost::system::error_code, int)> on_signal = [&](boost::system::error_code ec,
                                                                      int signal) {
    if (ec) return;
    shutdown.begin(signal);
    signals.async_wait(on_signal);
  };
  signals.async_wait(on_signal);

  metrics::set_ready(true);
  const std::uint16_t health_port = config.server.health_port != 0 ? health.port() : http.port();
  log::info(
      "auto-recorder ready",
      {{"version", AUTO_RECORDER_VERSION},
       {"port", std::to_string(http.port())},
       {"scheme", http.tls() ? "https" : "http"},
       {"health_port", std::to_string(health_port)},
       {"livekit", config.livekit.url},
       {"proxy", config.livekit.proxy ? std::string_view(config.livekit.proxy->shown)
                                      : std::string_view("none")},
       {"storage", config.storage ? recording::storage_name(*config.storage) : "storages only"},
       {"replica", coordination ? coordination->replica_id() : std::string_view("alone")},
       {"ledger", ledger ? ledger::where(config.ledger) : std::string("off")},
       {"config", config.source}});
  reconciler.start();
  pool.run();
  // Stop the other threads before the objects they use are destroyed: API answers, claims and
  // timer callbacks reach the recorder and reconciler.
  reconciler.stop();
  client.stop();
  if (coordination) coordination->stop();
  timers.stop();
  // What the ledger still holds is written, for a moment: a database that is down loses it.
  if (ledger) ledger->stop(std::chrono::seconds(2));
  return 0;
}

// --check-config ROOM...: the rule each room would meet and the request that would be sent.
void show_choices(const config::Config& config, const std::vector<std::string>& rooms,
                  const std::string& metadata) {
  const recording::Policy policy(config.recording, config.rules);
  for (const std::string& name : rooms) {
    const recording::Choice choice = policy.choose(name, metadata);
    std::cout << "# room \"" << name << "\": " << choice.rule;
    if (choice.metadata_unparsable) std::cout << " (the metadata is not a JSON object)";
    if (choice.recording == nullptr) {
      std::cout << ": not recorded (record: false)\n";
      continue;
    }
    const std::string request =
        livekit::room_composite_request(name, *choice.recording, {config.storage, config.storages});
    std::cout << ": StartRoomCompositeEgress " << livekit::redact_request(request) << "\n";
  }
  // Each rule on its own, whatever comes before it: a rule that matches none of the names it
  // was written for (or is shadowed by an earlier one) shows here.
  constexpr std::size_t kShown = 5;
  if (rooms.empty()) return;
  for (const recording::Rule& rule : config.rules) {
    std::vector<std::string_view> matched;
    for (const std::string& name : rooms) {
      if (recording::first_match({&rule.match, 1}, name, metadata).rule) matched.emplace_back(name);
    }
    std::cout << "# " << rule.label << " alone matches ";
    if (matched.empty()) std::cout << "none of these rooms";
    for (std::size_t i = 0; i < matched.size() && i < kShown; ++i) {
      std::cout << (i == 0 ? "" : ", ") << '"' << matched[i] << '"';
    }
    if (matched.size() > kShown) std::cout << " and " << matched.size() - kShown << " more";
    std::cout << "\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "auto-recorder: records every LiveKit room, started by LiveKit's room_started "
      "webhook.\nConfiguration: config.yaml and environment variables, see "
      "docs/configuration.md.",
      "auto-recorder"};
  std::optional<std::string> config_path;
  bool check_config = false;
  app.add_flag("--check-config", check_config,
               "Validate the configuration as startup would, print it with secrets redacted, and "
               "exit 0 (valid) or 1");
  bool strict = false;
  app.add_flag("--strict", strict,
               "With --check-config: every warning (an unknown variable, a rule that looks "
               "wrong, ...) is an error, for CI gates");
  std::vector<std::string> rooms;
  std::string room_metadata;
  app.add_option("rooms", rooms,
                 "With --check-config: room names; shows the rule each would meet and the "
                 "request that would be sent (secrets redacted)");
  app.add_option("--room-metadata", room_metadata,
                 "With --check-config and room names: the rooms' metadata (JSON), for rules that "
                 "test it");
  app.add_option("--config", config_path,
                 "YAML configuration file (default: $CONFIG_FILE, else ./config.yaml if present)");
  ledger::ReportArgs report_args;
  CLI::App* report = app.add_subcommand(
      "report",
      "Print the room sessions of a window from the ledger (the service may be running); exit 0 "
      "when none is unrecorded or partial, 3 when some are, 1 on error");
  report->add_option("--since", report_args.since,
                     "From: RFC 3339, or a duration back from now (24h, 7d); default 24h");
  report->add_option("--until", report_args.until, "To: the same; default now");
  report->add_option("--status", report_args.status,
                     "Only sessions in this status: recording, recorded, partial, stopped, "
                     "skipped, unrecorded");
  report->add_option("--name", report_args.name, "Only rooms whose name matches this glob");
  report->add_option("--format", report_args.format, "table (default), json or csv");
  report->fallthrough();
  // The build line is what the image test compares; OpenSSL is the shared library loaded now,
  // whose version Debian's security updates change.
  app.set_version_flag("--version", std::string("auto-recorder ") + AUTO_RECORDER_VERSION +
                                        "\nbuild: " + kBuildInfo +
                                        "\nopenssl: " + OpenSSL_version(OPENSSL_VERSION));
  CLI11_PARSE(app, argc, argv);

  if (!check_config && (!rooms.empty() || !room_metadata.empty() || strict)) {
    std::cerr << "auto-recorder: room names, --room-metadata and --strict are only taken with "
                 "--check-config\n";
    return 1;
  }
  std::signal(SIGPIPE, SIG_IGN);
  // A stray `kill -USR1` (meant for another process, or a log rotator's habit) must not stop the
  // recorder: their default action is to terminate. SIGHUP reloads TLS, SIGTERM/SIGINT stop.
  std::signal(SIGUSR1, SIG_IGN);
  std::signal(SIGUSR2, SIG_IGN);
  config::Config config;
  try {
    config = config::load_config(config::process_environment(), config_path);
  } catch (const config::ConfigError& e) {
    // Values quoted in the message may hold anything: shown as a text log line shows them.
    std::string message;
    log::append_text_message(message, util::redact_url_passwords(e.what()));
    std::cerr << "auto-recorder: configuration error: " << message << "\n";
    return 1;
  }
  for (std::string& unknown : config::unknown_variables(config::process_environment_entries())) {
    config.warnings.push_back(std::move(unknown));
  }
  if (report->parsed()) return ledger::report(config.ledger, report_args, std::cout, std::cerr);
  if (check_config) {
    std::cout << config::describe(config);
    for (const std::string& warning : config.warnings) {
      std::cout << (strict ? "# error: " : "# warning: ") << warning << "\n";
    }
    show_choices(config, rooms, room_metadata);
    if (strict && !config.warnings.empty()) {
      std::cout << "# configuration is not valid under --strict: " << config.warnings.size()
                << " warning(s) above\n";
      return 1;
    }
    std::cout << "# configuration is valid\n";
    return 0;
  }
  return run(config);
}
