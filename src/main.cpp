// The command line: flags, the configuration, and which of the commands runs (the service,
// --check-config, report, ledger backup, notify resend). What each does is in src/app/ and
// src/report/.
#include <openssl/crypto.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "app/check_config.hpp"
#include "app/service.hpp"
#include "build_info.hpp"
#include "config/environment_names.hpp"
#include "config/load.hpp"
#include "report/backup.hpp"
#include "report/command.hpp"
#include "report/resend.hpp"
#include "telemetry/log_text.hpp"
#include "util/redact.hpp"

using namespace ar;  // NOLINT(google-build-using-namespace)

namespace {

// `auto-recorder report`: the ledger's sessions of a window (report/command.hpp).
CLI::App* add_report(CLI::App& cli, report::ReportArgs& args) {
  CLI::App* report = cli.add_subcommand(
      "report",
      "Print the room sessions of a window from the ledger (the service may be running); exit 0 "
      "when none is unrecorded or partial, 3 when some are, 1 on error");
  report->add_option("--since", args.since,
                     "From: RFC 3339, or a duration back from now (24h, 7d); default 24h");
  report->add_option("--until", args.until, "To: the same; default now");
  report->add_option("--status", args.status,
                     "Only sessions in this status: recording, recorded, partial, stopped, "
                     "skipped, unrecorded");
  report->add_option("--name", args.name, "Only rooms whose name matches this glob");
  report->add_option("--format", args.format, "table (default), json or csv");
  report->fallthrough();
  return report;
}

// `auto-recorder ledger backup FILE` (report/backup.hpp).
CLI::App* add_ledger(CLI::App& cli, std::string& backup_file) {
  CLI::App* ledger = cli.add_subcommand("ledger", "Commands on the ledger");
  ledger->require_subcommand(1);
  ledger->fallthrough();
  CLI::App* backup = ledger->add_subcommand(
      "backup",
      "Write a consistent copy of the SQLite ledger to FILE while the service runs (PostgreSQL: "
      "pg_dump); exit 0, or 1 with the reason");
  backup->add_option("file", backup_file, "The copy: a new file")->required();
  backup->fallthrough();
  return ledger;
}

// `auto-recorder notify resend` (report/resend.hpp).
CLI::App* add_notify(CLI::App& cli, report::ResendArgs& args) {
  CLI::App* notify = cli.add_subcommand("notify", "Commands on notifications");
  notify->require_subcommand(1);
  notify->fallthrough();
  CLI::App* resend = notify->add_subcommand(
      "resend",
      "Send again the notifications created in the window (delivered or not, with their "
      "webhook-id), after fixing a receiver; the running service sends them");
  resend->add_option("--since", args.since,
                     "From: RFC 3339 or a duration back from now (1h, 24h, 7d); default 1h");
  resend->add_option("--status", args.status,
                     "Only of sessions with this status (unrecorded, partial, ...)");
  resend->add_option("--endpoint", args.endpoint, "Only this endpoint's (its name)");
  resend->fallthrough();
  return notify;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{
      "auto-recorder: records every LiveKit room, started by LiveKit's room_started "
      "webhook.\nConfiguration: config.yaml and environment variables, see "
      "docs/configuration.md.",
      "auto-recorder"};
  std::optional<std::string> config_path;
  bool check_config = false;
  app::CheckConfigArgs check;
  cli.add_flag("--check-config", check_config,
               "Validate the configuration as startup would, print it with secrets redacted, and "
               "exit 0 (valid) or 1");
  cli.add_flag("--strict", check.strict,
               "With --check-config: every warning (an unknown variable, a rule that looks "
               "wrong, ...) is an error, for CI gates");
  cli.add_option("rooms", check.rooms,
                 "With --check-config: room names; shows the rule each would meet and the "
                 "request that would be sent (secrets redacted)");
  cli.add_option("--room-metadata", check.room_metadata,
                 "With --check-config and room names: the rooms' metadata (JSON), for rules that "
                 "test it");
  cli.add_option("--config", config_path,
                 "YAML configuration file (default: $CONFIG_FILE, else ./config.yaml if present)");
  report::ReportArgs report_args;
  CLI::App* report_command = add_report(cli, report_args);
  std::string backup_file;
  CLI::App* ledger_command = add_ledger(cli, backup_file);
  CLI::App* backup_command = ledger_command->get_subcommand("backup");
  report::ResendArgs resend_args;
  CLI::App* notify_command = add_notify(cli, resend_args);
  // The build line is what the image test compares; OpenSSL is the shared library loaded now,
  // whose version Debian's security updates change.
  cli.set_version_flag("--version", std::string("auto-recorder ") + AUTO_RECORDER_VERSION +
                                        "\nbuild: " + kBuildInfo +
                                        "\nopenssl: " + OpenSSL_version(OPENSSL_VERSION));
  CLI11_PARSE(cli, argc, argv);

  if (!check_config && (!check.rooms.empty() || !check.room_metadata.empty() || check.strict)) {
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
    config = config::load_config(
        config::process_environment(), config_path,
        report_command->parsed() || ledger_command->parsed() || notify_command->parsed()
            ? config::Scope::kLedgerOnly
            : config::Scope::kService);
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
  if (report_command->parsed())
    return report::report(config.ledger, report_args, std::cout, std::cerr);
  if (backup_command->parsed()) {
    return report::backup(config.ledger, backup_file, std::cout, std::cerr);
  }
  if (notify_command->parsed()) {
    return report::resend(config.ledger, resend_args, std::cout, std::cerr);
  }
  if (check_config) return app::check_config(config, check, std::cout);
  return app::run_service(config);
}
