#include "app/check_config.hpp"

#include "config/describe.hpp"
#include "ledger/open.hpp"
#include "livekit/egress.hpp"
#include "recording/policy.hpp"

namespace ar::app {
namespace {

// The room composite's request: the unified one where LiveKit may have it, and its fallback.
void show_composite(const config::Config& config, const std::string& name,
                    const recording::Plan& plan, const livekit::RequestStorages& storages,
                    std::ostream& out) {
  const std::string legacy =
      livekit::redact_request(livekit::room_composite_request(name, plan, storages));
  if (config.livekit.flavour == livekit::EgressFlavour::kLegacy ||
      !livekit::unified_expresses(plan)) {
    out << ": StartRoomCompositeEgress " << legacy << "\n";
    return;
  }
  out << ": StartEgress "
      << livekit::redact_request(livekit::unified_room_request(name, plan, storages)) << "\n";
  if (config.livekit.flavour == livekit::EgressFlavour::kAuto) {
    out << "#   or, on a LiveKit without StartEgress (before 1.13.2): StartRoomCompositeEgress "
        << legacy << "\n";
  }
}

// record: participants and tracks: the request for each, with the identity and track id that
// LiveKit's webhook will name in its place.
void show_subjects(const config::Config& config, const std::string& name,
                   const recording::Plan& plan, const livekit::RequestStorages& storages,
                   std::ostream& out) {
  constexpr std::string_view kIdentity = "<participant identity>";
  if (plan.record.participants) {
    const std::string legacy =
        livekit::redact_request(livekit::participant_request(name, plan, kIdentity, storages));
    if (config.livekit.flavour == livekit::EgressFlavour::kLegacy) {
      out << "#   each participant: StartParticipantEgress " << legacy << "\n";
    } else {
      out << "#   each participant: StartEgress "
          << livekit::redact_request(
                 livekit::unified_participant_request(name, plan, kIdentity, storages))
          << "\n";
      if (config.livekit.flavour == livekit::EgressFlavour::kAuto) {
        out << "#   or, on a LiveKit without StartEgress: StartParticipantEgress " << legacy
            << "\n";
      }
    }
  }
  if (plan.record.tracks) {
    const std::string_view types = plan.subjects.audio_tracks && plan.subjects.video_tracks
                                       ? "audio and video"
                                       : (plan.subjects.audio_tracks ? "audio" : "video");
    out << "#   each " << types << " track: StartTrackEgress "
        << livekit::redact_request(livekit::track_request(name, plan, "<track sid>", storages))
        << "\n";
  }
}

// The rule each room would meet and the requests that would be sent.
void show_choices(const config::Config& config, const CheckConfigArgs& args, std::ostream& out) {
  const recording::Policy policy(config.recording, config.rules);
  for (const std::string& name : args.rooms) {
    const recording::Choice choice = policy.choose(name, args.room_metadata);
    out << "# room \"" << name << "\": " << choice.rule;
    if (choice.metadata_unparsable) out << " (the metadata is not a JSON object)";
    if (choice.recording == nullptr) {
      out << ": not recorded (record: false)\n";
      continue;
    }
    const livekit::RequestStorages storages{config.storage, config.storages};
    if (choice.recording->record.room) {
      show_composite(config, name, *choice.recording, storages, out);
    } else {
      out << ": no room composite\n";
    }
    show_subjects(config, name, *choice.recording, storages, out);
  }
}

// Each rule on its own, whatever comes before it: a rule that matches none of the names it was
// written for (or is shadowed by an earlier one) shows here.
void show_rules_alone(const config::Config& config, const CheckConfigArgs& args,
                      std::ostream& out) {
  constexpr std::size_t kShown = 5;
  if (args.rooms.empty()) return;
  for (const recording::Rule& rule : config.rules) {
    std::vector<std::string_view> matched;
    for (const std::string& name : args.rooms) {
      if (recording::first_match({&rule.match, 1}, name, args.room_metadata).rule) {
        matched.emplace_back(name);
      }
    }
    out << "# " << rule.label << " alone matches ";
    if (matched.empty()) out << "none of these rooms";
    for (std::size_t i = 0; i < matched.size() && i < kShown; ++i) {
      out << (i == 0 ? "" : ", ") << '"' << matched[i] << '"';
    }
    if (matched.size() > kShown) out << " and " << matched.size() - kShown << " more";
    out << "\n";
  }
}

}  // namespace

int check_config(const config::Config& config, const CheckConfigArgs& args, std::ostream& out) {
  out << config::describe(config);
  // The ledger as the service would find it: a rollback past a migration that changed what this
  // binary relies on fails here, not in a crash loop.
  if (config.ledger.enabled) {
    const ledger::SchemaReport schema = ledger::describe_schema(config.ledger);
    out << (schema.usable ? "# ledger: " : "# error: ledger: ") << schema.text << "\n";
    if (!schema.usable) {
      out << "# configuration is not valid: the service would refuse its ledger\n";
      return 1;
    }
  }
  for (const std::string& warning : config.warnings) {
    out << (args.strict ? "# error: " : "# warning: ") << warning << "\n";
  }
  show_choices(config, args, out);
  show_rules_alone(config, args, out);
  if (args.strict && !config.warnings.empty()) {
    out << "# configuration is not valid under --strict: " << config.warnings.size()
        << " warning(s) above\n";
    return 1;
  }
  out << "# configuration is valid\n";
  return 0;
}

}  // namespace ar::app
