#pragma once
// The ledger the recorder and the reconciler use in unit tests: a real SQLite store in memory.
#include <functional>
#include <limits>
#include <optional>
#include <span>
#include <vector>

#include "ledger/entry.hpp"
#include "ledger/sql_store.hpp"
#include "ledger/sqlite_database.hpp"
#include "ledger/unsettled.hpp"
#include "recorder/answers.hpp"

namespace ar::testing {

// The ledger the recorder writes to: each entry applied at once to a real SQLite store in
// memory, so a test reads the status a room session ends up with. The reconciler reads what it
// holds open through the answers' queue, as from the ledger's thread.
class MemoryLedger final : public ledger::Journal, public ledger::UnsettledSource {
 public:
  explicit MemoryLedger(Answers* answers = nullptr) : answers_(answers) {}
  void answer_through(Answers* answers) { answers_ = answers; }
  void record(ledger::Entry entry) override {
    for (ledger::Status status : store.apply(std::span(&entry, 1))) ended.push_back(status);
  }
  void unsettled(std::function<void(std::optional<ledger::Unsettled>)> done) override {
    if (answers_ == nullptr) return done(store.unsettled());
    answers_->push([this, done = std::move(done)] {
      if (unreadable) return done(std::nullopt);
      done(store.unsettled());
    });
  }
  ledger::Session room(const std::string& sid) {
    return store.room(sid).value_or(ledger::Session{});
  }
  std::string status(const std::string& sid) {
    const auto found = store.room(sid);
    return found ? std::string(model::to_string(found->status)) : "(not in the ledger)";
  }

  ledger::SqlStore store{
      std::make_unique<ledger::SqliteDatabase>(":memory:", ledger::Access::kWrite),
      ledger::Access::kWrite, ":memory:"};
  // Empty again, for the next case of a test (a new database per case costs milliseconds).
  void clear() {
    while (!store.prune(std::numeric_limits<std::int64_t>::max(), 100000).done) {
    }
    ended.clear();
    unreadable = false;
  }

  bool unreadable = false;            // the ledger cannot be read (a database down)
  std::vector<ledger::Status> ended;  // each session's final status, as counted once

 private:
  Answers* answers_;
};

}  // namespace ar::testing
