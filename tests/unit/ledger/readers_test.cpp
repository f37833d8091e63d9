// The ledger's readers (ledger/readers.hpp): reads run on threads of their own, a store that
// cannot be opened fails a read and is tried again, and reads still waiting at a stop are told.
#include "ledger/readers.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>

#include "ledger/database.hpp"
#include "ledger/postgres_database.hpp"
#include "ledger/sqlite_database.hpp"
#include "ledger/store_fixture.hpp"

namespace ar::ledger {
namespace {

using testing::Backend;
using testing::postgres_url;

class EmptyStore final : public Store {
 public:
  std::vector<Status> apply(std::span<const Entry> /*entries*/) override { return {}; }
  Page rooms(const Query& /*query*/) override { return {}; }
  Counts counts(const Query& /*window*/) override { return {}; }
  std::optional<Session> room(std::string_view /*sid*/) override { return std::nullopt; }
  Pruned prune(std::int64_t /*before_ms*/, std::size_t /*limit*/) override { return {0, true}; }
  Unsettled unsettled() override { return {}; }
};

// What a read was given: a store, or why not.
std::string outcome(Readers& readers) {
  std::promise<std::string> told;
  auto future = told.get_future();
  const bool queued = readers.submit([&told](util::Result<Store*> store) {
    told.set_value(store ? std::string("store") : store.error());
  });
  if (!queued) return "refused";
  return future.wait_for(std::chrono::seconds(5)) == std::future_status::ready ? future.get()
                                                                               : "no answer";
}

TEST(LedgerReaders, ReadsRunOffTheCallersThread) {
  Readers readers([] { return std::make_unique<EmptyStore>(); }, nullptr, {.threads = 2});
  std::promise<std::thread::id> ran_on;
  ASSERT_TRUE(readers.submit(
      [&ran_on](util::Result<Store*>) { ran_on.set_value(std::this_thread::get_id()); }));
  EXPECT_NE(ran_on.get_future().get(), std::this_thread::get_id());
}

TEST(LedgerReaders, AStoreThatCannotBeOpenedFailsTheReadAndIsOpenedAgainForTheNext) {
  std::atomic<int> opens{0};
  Readers readers(
      [&opens]() -> std::unique_ptr<Store> {
        if (opens.fetch_add(1) == 0) throw StoreError("postgresql://db:5432/ledger: refused");
        return std::make_unique<EmptyStore>();
      },
      nullptr, {.threads = 1});
  EXPECT_EQ(outcome(readers), "postgresql://db:5432/ledger: refused");
  EXPECT_EQ(outcome(readers), "store");
  EXPECT_EQ(outcome(readers), "store");
  EXPECT_EQ(opens.load(), 2);  // kept once open
}

TEST(LedgerReaders, ReadsWaitingAtAStopAreToldAndNewOnesRefused) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  Readers readers([] { return std::make_unique<EmptyStore>(); }, nullptr,
                  {.threads = 1, .max_waiting = 4});
  std::promise<void> running;
  ASSERT_TRUE(readers.submit([&running, released](util::Result<Store*>) {
    running.set_value();
    released.wait();
  }));
  running.get_future().wait();
  std::promise<std::string> waiting;
  ASSERT_TRUE(readers.submit([&waiting](util::Result<Store*> store) {
    waiting.set_value(store ? "store" : store.error());
  }));
  std::thread stopper([&readers] { readers.stop(); });
  EXPECT_EQ(waiting.get_future().get(), "the service is stopping");
  release.set_value();
  stopper.join();
  EXPECT_EQ(outcome(readers), "refused");
}

// Database::limit_statements on both databases: a statement past the limit is stopped with
// StoreTimeout, and the connection reads again afterwards.
class StatementLimitTest : public testing::StoreTest {};
INSTANTIATE_TEST_SUITE_P(Sqlite, StatementLimitTest, ::testing::Values(Backend::kSqlite));
INSTANTIATE_TEST_SUITE_P(Postgres, StatementLimitTest, ::testing::Values(Backend::kPostgres));

TEST_P(StatementLimitTest, AStatementPastTheLimitIsStoppedAndTheConnectionLivesOn) {
  open();  // the schema
  std::unique_ptr<Database> db;
  if (GetParam() == Backend::kPostgres) {
    db = std::make_unique<PostgresDatabase>(postgres_url(), Access::kRead);
  } else {
    db = std::make_unique<SqliteDatabase>(dir_.path(), Access::kRead);
  }
  db->limit_statements(std::chrono::milliseconds(200));
  // Counts forever, but for the limit.
  const std::string endless =
      "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c "
      "WHERE x < 0 LIMIT 1";
  const auto before = std::chrono::steady_clock::now();
  EXPECT_THROW(db->run(endless, {}), StoreTimeout);
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::seconds(3));
  EXPECT_EQ(db->run("SELECT COUNT(*) FROM rooms", {}).rows.at(0).integer(0), 0);
}

TEST(PostgresLedger, AReadWaitingForALockedTableIsStoppedAtItsLimit) {
  ASSERT_FALSE(postgres_url().empty()) << "run through tests/postgres.sh run";
  PostgresDatabase(postgres_url(), Access::kWrite)
      .exec("DROP SCHEMA public CASCADE; CREATE SCHEMA public");
  Settings settings;
  settings.postgres_url = postgres_url();
  open_store(settings, Access::kWrite);  // the schema
  PostgresDatabase dba(postgres_url(), Access::kWrite);
  dba.begin();
  dba.exec("LOCK TABLE rooms IN ACCESS EXCLUSIVE MODE");  // a migration, or VACUUM FULL
  const auto reader = open_store(settings, Access::kRead, std::chrono::milliseconds(300));
  EXPECT_THROW(reader->rooms({}), StoreTimeout);
  dba.rollback();
  EXPECT_TRUE(reader->rooms({}).rooms.empty());
}

}  // namespace
}  // namespace ar::ledger
