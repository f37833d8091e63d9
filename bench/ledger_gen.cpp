// ledger-gen: writes a ledger of many room sessions with the project's own ledger code (the
// same entries the recorder journals, applied by SqlStore), for `make bench` to measure the
// report and the API on. Not installed, not in the image.
//
//   ledger-gen FILE SESSIONS [DAYS]   a SQLite ledger; the sessions spread over DAYS (400) back
//                                     from now, newest last
//   ledger-gen --postgres URL SESSIONS [DAYS]
//
// The mix is a school's or a court's: most sessions recorded with one file, some partial (a
// recording failed and was restarted), some skipped by a rule, some unrecorded (a start refused),
// a few closed by the reconciler.
#include <charconv>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "ledger/postgres_database.hpp"
#include "ledger/settings.hpp"
#include "ledger/sql_store.hpp"
#include "ledger/sqlite_database.hpp"
#include "util/wall_clock.hpp"

namespace {

using namespace ar::ledger;

std::int64_t number(const char* text) {
  std::int64_t value = 0;
  const std::string_view view(text);
  const auto [end, ec] = std::from_chars(view.data(), view.data() + view.size(), value);
  if (ec != std::errc() || end != view.data() + view.size() || value <= 0) {
    throw std::invalid_argument(std::string("not a positive number: ") + text);
  }
  return value;
}

Recording recording(const std::string& egress, const std::string& room, std::int64_t from,
                    std::int64_t to, bool failed) {
  Recording r;
  r.egress_id = egress;
  r.status = failed ? ar::model::EgressStatus::kFailed : ar::model::EgressStatus::kComplete;
  r.started_ms = from;
  r.ended_ms = to;
  if (failed) {
    r.error = "pipeline crashed";
  } else {
    const std::string file = "recordings/" + room + "-" + egress + ".mp4";
    r.files.push_back({file, "s3://school-recordings/" + file, 180'000'000,
                       static_cast<double>(to - from) / 1000.0});
  }
  return r;
}

// The entries of session `i`, as the recorder journals them.
void session(std::int64_t i, std::int64_t started, std::vector<Entry>& out) {
  const std::string sid = "RM_" + std::to_string(100000000 + i);
  const std::string name = (i % 7 == 0 ? "hearing-" : "class-") + std::to_string(i % 5000);
  constexpr std::int64_t kMinute = 60'000;
  const std::int64_t length = (40 + i % 37) * kMinute;
  const std::int64_t finished = started + length;
  const std::string metadata = i % 3 == 0 ? R"({"course":"chem-7b","teacher":"t-42"})" : "";
  out.emplace_back(RoomSeen{sid, name, started, i % 50 == 0 ? "reconciler" : "webhook", metadata});
  const int kind = static_cast<int>(i % 100);
  if (kind < 5) {  // skipped by a rule
    out.emplace_back(Decided{sid, false, "rules[0] (lobby)"});
  } else {
    out.emplace_back(Decided{sid, true, "top level"});
    if (kind < 8) {  // a start refused
      out.emplace_back(StartFailed{sid, "invalid_argument: bucket does not exist"});
    } else {
      const std::string first = "EG_" + std::to_string(i) + "a";
      out.emplace_back(RecordingStarted{sid, first, started + 900, false});
      if (kind < 14) {  // failed mid-room, restarted
        const std::string second = "EG_" + std::to_string(i) + "b";
        out.emplace_back(EgressReported{
            sid, name, recording(first, name, started + 900, started + length / 2, true)});
        out.emplace_back(RecordingStarted{sid, second, started + length / 2 + 2000, true});
        out.emplace_back(EgressReported{
            sid, name, recording(second, name, started + length / 2 + 2000, finished, false)});
      } else {
        out.emplace_back(
            EgressReported{sid, name, recording(first, name, started + 900, finished, false)});
      }
    }
  }
  out.emplace_back(
      RoomFinished{sid, finished, name, started, kind == 99 ? "reconciler" : std::string()});
}

}  // namespace

int main(int argc, char** argv) {
  try {
    Settings settings;
    int at = 1;
    if (argc > 1 && std::string_view(argv[1]) == "--postgres") {
      if (argc < 4) throw std::invalid_argument("--postgres needs a URL and a count");
      settings.postgres_url = argv[2];
      at = 2;
    } else if (argc < 3) {
      throw std::invalid_argument("usage: ledger-gen FILE SESSIONS [DAYS]");
    } else {
      settings.path = argv[1];
    }
    const std::int64_t sessions = number(argv[at + 1]);
    const std::int64_t days = argc > at + 2 ? number(argv[at + 2]) : 400;
    // The ledger's clock is the simulated one: each session's status changed when it ended, as
    // it would have written live.
    std::int64_t simulated = 0;
    const auto clock = [&simulated] { return simulated; };
    std::unique_ptr<Database> db;
    std::string where = settings.path;
    if (settings.postgres_url.empty()) {
      db = std::make_unique<SqliteDatabase>(settings.path, Access::kWrite);
    } else {
      auto postgres = std::make_unique<PostgresDatabase>(settings.postgres_url, Access::kWrite);
      where = postgres->where();
      db = std::move(postgres);
    }
    SqlStore store(std::move(db), Access::kWrite, where, clock);
    // PostgreSQL's trigram index is built after the sessions are written, not updated with each
    // of their rows (a GIN index's writes made the run 4 times as long); the time it takes is
    // what migration 5 takes on such a ledger.
    std::unique_ptr<PostgresDatabase> admin;
    if (!settings.postgres_url.empty()) {
      admin = std::make_unique<PostgresDatabase>(settings.postgres_url, Access::kWrite);
      admin->exec("DROP INDEX IF EXISTS " + std::string(PostgresDatabase::kNameTrigrams));
    }
    const std::int64_t now = ar::util::unix_ms_now();
    const std::int64_t span = days * 24 * 3600 * 1000;
    std::vector<Entry> batch;
    std::int64_t batch_began = 0;
    for (std::int64_t i = 0; i < sessions; ++i) {
      const std::int64_t started = now - span + span * i / sessions;
      if (batch.empty()) batch_began = started;
      session(i, started, batch);
      simulated = started + std::int64_t{80} * 60 * 1000;
      // A batch's changes are stamped with its last session's time: at most 10 minutes apart.
      if (batch.size() >= 5000 || started - batch_began > std::int64_t{10} * 60 * 1000 ||
          i + 1 == sessions) {
        store.apply(batch);
        batch.clear();
      }
      if ((i + 1) % 100000 == 0) std::cerr << "ledger-gen: " << i + 1 << " sessions\n";
    }
    if (admin) {
      const auto began = std::chrono::steady_clock::now();
      admin->exec(admin->name_trigrams());
      std::cerr << "ledger-gen: trigram index built in "
                << std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::steady_clock::now() - began)
                       .count()
                << " ms\n";
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "ledger-gen: " << e.what() << "\n";
    return 1;
  }
}
