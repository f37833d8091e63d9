// The command line: flags, the configuration, and which of the three commands runs (the service,
// --check-config, report). What each does is in src/app/ and src/report/.
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
#include "report/command.hpp"
#include "telemetry/log_text.hpp"
#include "util/redact.hpp"

using namespace ar;  // NOLINT(google-build-using-namespace)

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
  CLI::App* report_command = cli.add_subcommand(
      "report",
      "Print the room sessions of a window from the ledger (the service may be running); exit 0 "
      "when none is unrecorded or partial, 3 when some are, 1 on error");
  report_command->add_option("--since", report_args.since,
                             "From: RFC 3339, or a duration back from now (24h, 7d); default 24h");
  report_command->add_option("--until", report_args.until, "To: the same; default now");
  report_command->add_option("--status", report_args.status,
                             "Only sessions in this status: recording, recorded, partial, stopped, "
                             "skipped, unrecorded");
  report_command->add_option("--name", report_args.name, "Only rooms whose name matches this glob");
  report_command->add_option("--format", report_args.format, "table (default), json or csv");
  report_command->fallthrough();
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
  if (report_command->parsed())
    return report::report(config.ledger, report_args, std::cout, std::cerr);
  if (check_config) return app::check_config(config, check, std::cout);
  return app::run_service(config);
}
