#include "ledger/writer.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <future>
#include <mutex>
#include <thread>
#include <utility>

#include "ledger/backup.hpp"
#include "ledger/open.hpp"
#include "ledger/spill.hpp"
#include "ledger/sqlite_database.hpp"
#include "ledger/store_fixture.hpp"

namespace ar::ledger {
namespace {

using std::chrono::milliseconds;

// A store that counts what it was given, and fails while told to.
class CountingStore final : public Store {
 public:
  struct Shared {
    std::mutex mutex;
    std::vector<std::string> sids;  // in the order applied
    std::vector<std::size_t> batch_sizes;
    std::atomic<bool> failing{false};
    std::atomic<bool> prune_fails{false};
    std::size_t old_sessions = 0;     // what retention finds to delete
    std::vector<std::string> events;  // "write N", "prune N", "rebuild", in order
    std::function<void()> while_pruning;
    bool needs_rebuild = false;
    std::string rebuild_fails;  // why, when it does
    // While set, a rebuild waits until it is fulfilled or interrupted.
    std::optional<std::shared_future<void>> rebuild_waits;
    std::atomic<bool> interrupted{false};
    // While set, writes wait until it is fulfilled, until one succeeds (a slow disk, or a
    // database that hangs): entries pile up.
    std::optional<std::shared_future<void>> first_write_waits;
    std::atomic<int> writes_begun{0};
  };
  explicit CountingStore(Shared& shared) : shared_(shared) {}

  std::vector<Status> apply(std::span<const Entry> entries) override {
    ++shared_.writes_begun;
    if (shared_.first_write_waits && shared_.batch_sizes.empty()) shared_.first_write_waits->wait();
    if (shared_.failing) throw StoreError("database is down (test)");
    const std::lock_guard lock(shared_.mutex);
    shared_.batch_sizes.push_back(entries.size());
    shared_.events.push_back("write " + std::to_string(entries.size()));
    for (const Entry& e : entries) shared_.sids.push_back(std::get<RoomSeen>(e).sid);
    return {};
  }
  Page rooms(const Query& /*query*/) override { return {}; }
  Counts counts(const Query& /*window*/) override { return {}; }
  std::optional<Session> room(std::string_view /*sid*/) override { return std::nullopt; }
  Pruned prune(std::int64_t /*before_ms*/, std::size_t limit) override {
    if (shared_.prune_fails) throw StoreError("disk I/O error (test)");
    if (shared_.while_pruning) shared_.while_pruning();
    const std::lock_guard lock(shared_.mutex);
    const std::size_t n = std::min(limit, shared_.old_sessions);
    shared_.old_sessions -= n;
    shared_.events.push_back("prune " + std::to_string(n));
    return {n, n < limit};
  }
  bool needs_rebuild() override { return shared_.needs_rebuild; }
  void rebuild() override {
    {
      const std::lock_guard lock(shared_.mutex);
      shared_.events.emplace_back("rebuild");
    }
    while (shared_.rebuild_waits && !shared_.interrupted &&
           shared_.rebuild_waits->wait_for(milliseconds(1)) != std::future_status::ready) {
    }
    if (shared_.interrupted) throw StoreError("interrupted");
    if (!shared_.rebuild_fails.empty()) throw StoreError(shared_.rebuild_fails);
  }
  void interrupt() noexcept override { shared_.interrupted = true; }
  // The sessions applied so far, as the open ones.
  Unsettled unsettled() override {
    if (shared_.failing) throw StoreError("database is down (test)");
    const std::lock_guard lock(shared_.mutex);
    Unsettled out;
    for (const std::string& sid : shared_.sids) out.sessions.push_back({sid, 1, 0});
    return out;
  }

 private:
  Shared& shared_;
};

// Polls until `done` holds, for at most five seconds.
template <typename Done>
bool eventually(Done done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(milliseconds(1));
  }
  return true;
}

Entry seen(int i) {
  return RoomSeen{"RM_" + std::to_string(i), "r", 1, "webhook", ""};
}

TEST(LedgerWriter, WritesEverythingInOrderInBatches) {
  CountingStore::Shared shared;
  std::promise<void> disk_ready;
  shared.first_write_waits = disk_ready.get_future().share();
  Writer writer(std::make_unique<CountingStore>(shared), {.batch = 100});
  for (int i = 0; i < 1000; ++i) writer.record(seen(i));
  disk_ready.set_value();  // everything after the first write waited in the queue
  writer.stop(milliseconds(5000));
  ASSERT_EQ(shared.sids.size(), 1000U);
  EXPECT_EQ(shared.sids.front(), "RM_0");
  EXPECT_EQ(shared.sids.back(), "RM_999");
  // The first write took what was queued when it began; the rest went 100 at a time.
  for (const std::size_t size : shared.batch_sizes) EXPECT_LE(size, 100U);
  EXPECT_GE(shared.batch_sizes.size(), 10U);
  EXPECT_LE(shared.batch_sizes.size(), 11U);
  EXPECT_EQ(writer.written(), 1000U);
  EXPECT_EQ(writer.dropped(), 0U);
}

TEST(LedgerWriter, ADownStoreHoldsTheQueueAndItCatchesUpWhenItReturns) {
  CountingStore::Shared shared;
  shared.failing = true;
  std::promise<void> failed;
  std::promise<void> recovered;
  std::atomic<int> failures{0};
  Writer writer(std::make_unique<CountingStore>(shared),
                {.retry_delay = milliseconds(10), .on_state = [&](bool ok, std::string_view) {
                   if (!ok && failures++ == 0) failed.set_value();
                   if (ok) recovered.set_value();
                 }});
  writer.record(seen(1));
  ASSERT_EQ(failed.get_future().wait_for(std::chrono::seconds(5)), std::future_status::ready);
  writer.record(seen(2));
  EXPECT_GE(writer.queued(), 1U);
  EXPECT_GE(writer.write_errors(), 1U);
  shared.failing = false;
  ASSERT_EQ(recovered.get_future().wait_for(std::chrono::seconds(5)), std::future_status::ready);
  writer.stop(milliseconds(5000));
  EXPECT_EQ(shared.sids, (std::vector<std::string>{"RM_1", "RM_2"}));
  EXPECT_EQ(failures.load(), 1);  // said once per outage
}

TEST(LedgerWriter, PastItsBoundTheOldestEntriesAreDroppedAndCounted) {
  CountingStore::Shared shared;
  shared.failing = true;
  std::promise<void> answer;
  shared.first_write_waits = answer.get_future().share();
  Writer writer(std::make_unique<CountingStore>(shared),
                {.max_queued = 10, .retry_delay = milliseconds(5)});
  writer.record(seen(0));
  ASSERT_TRUE(eventually([&] { return shared.writes_begun >= 1; }));  // RM_0 is being written
  for (int i = 1; i < 25; ++i) writer.record(seen(i));
  EXPECT_EQ(writer.dropped(), 15U);  // the oldest queued behind the batch being written
  EXPECT_EQ(writer.queued(), 10U);
  answer.set_value();
  EXPECT_TRUE(eventually([&] { return writer.write_errors() >= 2; }));
  EXPECT_EQ(writer.dropped(), 15U);
  // A stop while writes are failing does not try again (here, without a spill file, the queue
  // would be lost), so the store recovers and is seen to catch up first.
  shared.failing = false;
  EXPECT_TRUE(eventually([&] { return writer.written() >= 10; }));
  writer.stop(milliseconds(5000));
  ASSERT_EQ(shared.sids.size(), 10U);
  EXPECT_EQ(shared.sids[0], "RM_0");   // the batch that was being written
  EXPECT_EQ(shared.sids[1], "RM_16");  // then the newest nine
}

// A room with 100 KiB of metadata: ten fill a bound of ten such entries' bytes.
Entry large(int i) {
  return RoomSeen{"RM_" + std::to_string(i), "r", 1, "webhook", std::string(100 * 1024, 'm')};
}

TEST(LedgerWriter, EntriesAreCountedByTheirBytesMetadataIncluded) {
  const std::size_t small = estimated_size(seen(1));
  EXPECT_GE(small, sizeof(Entry));
  EXPECT_LT(small, 512U);
  EXPECT_GE(estimated_size(large(1)), small + 100 * 1024);
  Recording recording;
  recording.files.push_back({"a.mp4", std::string(5000, 'l'), 1, 1});
  EXPECT_GE(estimated_size(EgressReported("RM_1", "r", recording)), 5000 + sizeof(Recording));
}

// The batch being written is never dropped: the oldest entries queued behind it are. (The test
// once raced the writer's thread for the first entry, and lost under TSan; now it holds the first
// write until all 25 are recorded.)
TEST(LedgerWriter, PastItsByteBoundTheOldestEntriesAreDroppedAndCounted) {
  CountingStore::Shared shared;
  shared.failing = true;
  std::promise<void> answer;
  shared.first_write_waits = answer.get_future().share();
  const std::size_t bound = 10 * estimated_size(large(10));  // RM_10 to RM_34: sids of one length
  Writer writer(std::make_unique<CountingStore>(shared),
                {.max_queued_bytes = bound, .retry_delay = milliseconds(5)});
  writer.record(large(10));
  ASSERT_TRUE(eventually([&] { return shared.writes_begun >= 1; }));  // RM_10 is being written
  for (int i = 11; i < 35; ++i) writer.record(large(i));
  EXPECT_EQ(writer.dropped(), 15U);
  EXPECT_EQ(writer.queued(), 10U);
  EXPECT_EQ(writer.queued_bytes(), bound);
  answer.set_value();  // the write fails, and is tried again, first, within the bound
  EXPECT_TRUE(eventually([&] { return writer.write_errors() >= 2; }));
  EXPECT_EQ(writer.dropped(), 15U);
  EXPECT_EQ(writer.queued(), 10U);
  shared.failing = false;
  EXPECT_TRUE(eventually([&] { return writer.written() >= 10; }));
  EXPECT_EQ(writer.queued(), 0U);
  EXPECT_EQ(writer.queued_bytes(), 0U);
  writer.stop(milliseconds(5000));
  ASSERT_EQ(shared.sids.size(), 10U);
  EXPECT_EQ(shared.sids[0], "RM_10");  // the batch that was being written
  EXPECT_EQ(shared.sids[1], "RM_26");  // then the newest nine
  EXPECT_EQ(shared.sids.back(), "RM_34");
}

// The gauge once read 0 while a write hung or kept failing: the batch in flight was in no count.
TEST(LedgerWriter, TheBatchBeingWrittenCountsAsQueuedWhileTheStoreHangsOrFails) {
  CountingStore::Shared shared;
  shared.failing = true;
  std::promise<void> answer;
  shared.first_write_waits = answer.get_future().share();
  Writer writer(std::make_unique<CountingStore>(shared),
                {.batch = 2, .retry_delay = milliseconds(5)});
  for (int i = 0; i < 3; ++i) writer.record(large(i));
  ASSERT_TRUE(eventually([&] { return shared.writes_begun >= 1; }));
  EXPECT_EQ(writer.queued(), 3U);  // a batch hangs in the store, the rest waits behind it
  EXPECT_EQ(writer.queued_bytes(), 3 * estimated_size(large(0)));
  answer.set_value();  // the database answers: an error, again and again
  EXPECT_TRUE(eventually([&] { return writer.write_errors() >= 3; }));
  EXPECT_EQ(writer.queued(), 3U);
  EXPECT_EQ(writer.queued_bytes(), 3 * estimated_size(large(0)));
  shared.failing = false;
  EXPECT_TRUE(eventually([&] { return writer.written() == 3; }));
  EXPECT_EQ(writer.queued(), 0U);
  EXPECT_EQ(writer.queued_bytes(), 0U);
  writer.stop(milliseconds(5000));
}

struct PruneRun {
  std::size_t sessions = 0;
  std::size_t steps = 0;
};

TEST(LedgerWriter, RetentionDeletesInStepsWithTheQueuesWritesBetweenAndSaysItOnce) {
  CountingStore::Shared shared;
  shared.old_sessions = 2500;
  std::promise<PruneRun> said;
  std::atomic<int> runs{0};
  // The first run begins at once: an entry recorded during its first step is written before the
  // second.
  std::promise<Writer*> started;
  shared.while_pruning = [&, writer = started.get_future().share(), once = true]() mutable {
    if (std::exchange(once, false)) writer.get()->record(seen(2));
  };
  Writer writer(std::make_unique<CountingStore>(shared), {.retention = std::chrono::hours(1),
                                                          .prune_batch = 1000,
                                                          .on_pruned = [&](const PruneReport& r) {
                                                            if (runs++ == 0)
                                                              said.set_value({r.sessions, r.steps});
                                                          }});
  started.set_value(&writer);
  auto run = said.get_future();
  ASSERT_EQ(run.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  const PruneRun told = run.get();
  EXPECT_EQ(told.sessions, 2500U);
  EXPECT_EQ(told.steps, 3U);
  writer.stop(milliseconds(5000));
  EXPECT_EQ(shared.events,
            (std::vector<std::string>{"prune 1000", "write 1", "prune 1000", "prune 500"}));
  EXPECT_EQ(runs.load(), 1);
}

TEST(LedgerWriter, ARunOfRetentionThatDeletesNothingSaysNothing) {
  CountingStore::Shared shared;
  std::atomic<int> runs{0};
  Writer writer(
      std::make_unique<CountingStore>(shared),
      {.retention = std::chrono::hours(1), .on_pruned = [&](const PruneReport&) { ++runs; }});
  EXPECT_TRUE(eventually([&] {
    const std::lock_guard lock(shared.mutex);
    return !shared.events.empty();
  }));
  writer.stop(milliseconds(5000));
  EXPECT_EQ(shared.events, (std::vector<std::string>{"prune 0"}));  // at once, with no write
  EXPECT_EQ(runs.load(), 0);
}

// A writer whose store needs a rebuild, which waits for `answer` (or an interrupt), then fails
// when told why; what on_rebuild was told, in order.
struct Rebuilding {
  explicit Rebuilding(std::string fails = "") {
    shared.needs_rebuild = true;
    shared.rebuild_fails = std::move(fails);
    shared.rebuild_waits = answer.get_future().share();
    writer = std::make_unique<Writer>(
        std::make_unique<CountingStore>(shared),
        WriterOptions{.on_rebuild = [this](Rebuild what, milliseconds, std::string_view why) {
          const std::lock_guard lock(mutex);
          told.push_back(what);
          error = why;
        }});
  }
  std::size_t times_told() {
    const std::lock_guard lock(mutex);
    return told.size();
  }

  CountingStore::Shared shared;
  std::promise<void> answer;
  std::mutex mutex;
  std::vector<Rebuild> told;
  std::string error;
  std::unique_ptr<Writer> writer;  // last: stopped first
};

TEST(LedgerWriter, TheStoresRebuildRunsBeforeTheFirstWriteWhileEntriesQueue) {
  Rebuilding store;
  Writer& writer = *store.writer;
  for (int i = 0; i < 3; ++i) writer.record(seen(i));
  ASSERT_TRUE(eventually([&] { return store.times_told() == 1; }));
  EXPECT_EQ(writer.queued(), 3U);
  EXPECT_EQ(writer.written(), 0U);
  store.answer.set_value();
  EXPECT_TRUE(eventually([&] { return writer.written() == 3; }));
  writer.stop(milliseconds(5000));
  EXPECT_EQ(store.told, (std::vector<Rebuild>{Rebuild::kBegins, Rebuild::kDone}));
  EXPECT_EQ(store.shared.events, (std::vector<std::string>{"rebuild", "write 3"}));
  EXPECT_EQ(writer.write_errors(), 0U);
}

TEST(LedgerWriter, AStopInterruptsTheRebuildAndStillWritesWhatWaits) {
  Rebuilding store;  // never answered
  Writer& writer = *store.writer;
  writer.record(seen(1));
  ASSERT_TRUE(eventually([&] { return store.times_told() == 1; }));
  writer.stop(milliseconds(5000));
  EXPECT_TRUE(store.shared.interrupted);
  EXPECT_EQ(store.told, (std::vector<Rebuild>{Rebuild::kBegins, Rebuild::kStopped}));
  EXPECT_EQ(writer.written(), 1U);
  EXPECT_EQ(writer.write_errors(), 0U);  // a stop's is no failure
}

TEST(LedgerWriter, AFailedRebuildIsSaidAndCountedAndWritesGoOn) {
  Rebuilding store("database or disk is full");
  Writer& writer = *store.writer;
  store.answer.set_value();
  writer.record(seen(1));
  EXPECT_TRUE(eventually([&] { return writer.written() == 1; }));
  writer.stop(milliseconds(5000));
  EXPECT_EQ(store.told, (std::vector<Rebuild>{Rebuild::kBegins, Rebuild::kFailed}));
  EXPECT_EQ(store.error, "database or disk is full");
  EXPECT_EQ(writer.write_errors(), 1U);
}

TEST(LedgerWriter, AFailedPruneIsSaidAndCountedWhileWritesGoOn) {
  CountingStore::Shared shared;
  shared.prune_fails = true;
  std::promise<std::string> said;
  std::atomic<int> state_changes{0};
  Writer writer(std::make_unique<CountingStore>(shared),
                {.retention = std::chrono::hours(1),
                 .on_state = [&](bool, std::string_view) { ++state_changes; },
                 .on_prune_error =
                     [&, once = std::make_shared<std::once_flag>()](std::string_view why) {
                       std::call_once(*once, [&] { said.set_value(std::string(why)); });
                     }});
  auto why = said.get_future();
  writer.record(seen(1));
  ASSERT_EQ(why.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_EQ(why.get(), "disk I/O error (test)");
  EXPECT_TRUE(eventually([&] { return writer.written() == 1; }));
  EXPECT_GE(writer.write_errors(), 1U);
  writer.stop(milliseconds(5000));
  EXPECT_EQ(state_changes.load(), 0);  // writes never failed: nothing said of them
}

TEST(LedgerWriter, AStopWithTheStoreDownSpillsTheQueueAndTheNextStartWritesItFirst) {
  const testing::TestDirectory dir;
  const std::string spill = dir.path("ledger.db.spill");
  CountingStore::Shared down;
  down.failing = true;
  std::size_t spilled = 0;
  std::string spill_error = "(not told)";
  {
    Writer writer(std::make_unique<CountingStore>(down),
                  {.retry_delay = milliseconds(5),
                   .spill_path = spill,
                   .on_spill = [&](std::size_t n, std::string_view error) {
                     spilled = n;
                     spill_error = error;
                   }});
    for (int i = 0; i < 6; ++i) writer.record(seen(i));
    EXPECT_TRUE(eventually([&] { return writer.write_errors() >= 1; }));
    writer.stop(milliseconds(50));
    EXPECT_EQ(writer.dropped(), 0U);
  }
  EXPECT_EQ(spilled, 6U);
  EXPECT_EQ(spill_error, "");
  ASSERT_EQ(read_spill(spill).entries.size(), 6U);

  // The next start: the spill goes first, before what this process records.
  CountingStore::Shared up;
  std::size_t replayed = 0;
  Writer writer(std::make_unique<CountingStore>(up),
                {.spill_path = spill,
                 .on_replay = [&](std::size_t n, std::size_t, std::string_view) { replayed = n; }});
  EXPECT_EQ(replayed, 6U);
  writer.record(seen(100));
  EXPECT_TRUE(eventually([&] { return writer.written() == 7; }));
  const std::lock_guard lock(up.mutex);
  EXPECT_EQ(up.sids.front(), "RM_0");
  EXPECT_EQ(up.sids.back(), "RM_100");
  EXPECT_FALSE(std::filesystem::exists(spill)) << "gone once every entry it held is written";
}

TEST(LedgerWriter, EntriesThatCannotBeSpilledAreSaidAndCountedAsLost) {
  const testing::TestDirectory dir;
  CountingStore::Shared down;
  down.failing = true;
  std::string error;
  Writer writer(std::make_unique<CountingStore>(down),
                {.retry_delay = milliseconds(5),
                 .spill_path = dir.path("missing/ledger.spill"),
                 .on_spill = [&](std::size_t, std::string_view why) { error = why; }});
  for (int i = 0; i < 3; ++i) writer.record(seen(i));
  writer.stop(milliseconds(20));
  EXPECT_NE(error.find("missing/ledger.spill"), std::string::npos) << error;
  EXPECT_EQ(writer.dropped(), 3U);
}

TEST(LedgerWriter, TheOpenSessionsAreReadAfterEveryEntryRecordedBeforeAndNotWhileFailing) {
  CountingStore::Shared shared;
  std::promise<void> disk_ready;
  shared.first_write_waits = disk_ready.get_future().share();
  Writer writer(std::make_unique<CountingStore>(shared),
                {.batch = 10, .retry_delay = milliseconds(5)});
  // Far behind (more than a batch waits): the pass that asks is not held up; "not now", at once.
  for (int i = 0; i < 50; ++i) writer.record(seen(i));
  bool behind = false;
  writer.unsettled([&](std::optional<Unsettled> open) { behind = !open; });
  EXPECT_TRUE(behind);
  disk_ready.set_value();
  EXPECT_TRUE(eventually([&] { return writer.written() == 50; }));
  for (int i = 50; i < 58; ++i) writer.record(seen(i));
  std::promise<std::size_t> sessions;
  writer.unsettled([&](std::optional<Unsettled> open) {
    sessions.set_value(open ? open->sessions.size() : 0U);
  });
  writer.record(seen(58));  // after the question: not necessarily in the answer
  auto answer = sessions.get_future();
  ASSERT_EQ(answer.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_GE(answer.get(), 58U);
  // A store that fails is not read: the answer is "not now", at once.
  shared.failing = true;
  writer.record(seen(51));
  EXPECT_TRUE(eventually([&] { return writer.write_errors() >= 1; }));
  std::promise<bool> read;
  writer.unsettled([&](std::optional<Unsettled> open) { read.set_value(open.has_value()); });
  auto failing = read.get_future();
  ASSERT_EQ(failing.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_FALSE(failing.get());
  shared.failing = false;
  writer.stop(milliseconds(5000));
  // After the stop it answers too, with nothing.
  bool answered = false;
  writer.unsettled([&](std::optional<Unsettled> open) { answered = !open; });
  EXPECT_TRUE(answered);
}

// A SQLite ledger deleted under the running service (rm ledger.db*): said once, counted, made
// anew at its path, and everything recorded after the deletion is in the new file, whether the
// idle check or a write finds it first.
class DeletedFile : public ::testing::TestWithParam<bool> {};

TEST_P(DeletedFile, IsSaidCountedMadeAnewAndNothingAfterItIsLost) {
  const bool idle_check = GetParam();
  const testing::TestDirectory dir;
  Settings settings;
  settings.path = dir.path();
  const auto open = [settings] { return open_store(settings, Access::kWrite); };
  std::mutex mutex;
  std::vector<std::string> said;
  Writer writer(open(), {.reopen = open,
                         .check_file_every = idle_check ? milliseconds(20) : std::chrono::hours(1),
                         .on_file_gone = [&](std::string_view what) {
                           const std::lock_guard lock(mutex);
                           said.emplace_back(what);
                         }});
  writer.record(seen(1));
  ASSERT_TRUE(eventually([&] { return writer.written() == 1; }));
  for (const char* side : {"", "-wal", "-shm"}) std::filesystem::remove(settings.path + side);
  if (idle_check) {
    ASSERT_TRUE(eventually([&] { return writer.files_gone() == 1; }));
    EXPECT_TRUE(eventually([&] { return std::filesystem::exists(settings.path); }))
        << "made anew before the next entry";
  }
  for (int i = 2; i <= 4; ++i) writer.record(seen(i));
  ASSERT_TRUE(eventually([&] { return writer.written() == 4; }));
  writer.stop(milliseconds(1000));
  EXPECT_EQ(writer.files_gone(), 1U);
  {
    const std::lock_guard lock(mutex);
    EXPECT_EQ(said, std::vector<std::string>{"was deleted"});
  }
  const auto store = open_store(settings, Access::kRead);
  EXPECT_FALSE(store->room("RM_1")) << "gone with the deleted file";
  for (const char* sid : {"RM_2", "RM_3", "RM_4"}) EXPECT_TRUE(store->room(sid)) << sid;
}

INSTANTIATE_TEST_SUITE_P(FoundBy, DeletedFile, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "TheIdleCheck" : "AWrite"; });

TEST(LedgerWriter, AFileReplacedByAnotherIsWrittenThereFromThenOn) {
  const testing::TestDirectory dir;
  Settings settings;
  settings.path = dir.path();
  // As the service reopens (app/ledger_setup.cpp): the gone file's log dropped first.
  const auto open = [settings] {
    drop_write_ahead_log(settings.path);
    return open_store(settings, Access::kWrite);
  };
  Writer writer(open(), {.reopen = open, .check_file_every = std::chrono::hours(1)});
  writer.record(seen(1));
  ASSERT_TRUE(eventually([&] { return writer.written() == 1; }));
  // An operator restores a backup over it (a rename, as cp to a temporary and mv do).
  Settings other = settings;
  other.path = dir.path("source.db");
  {
    const auto source = open_store(other, Access::kWrite);
    std::vector<Entry> old{seen(100)};
    source->apply(old);
  }
  backup(other, dir.path("restored.db"));
  std::filesystem::rename(dir.path("restored.db"), settings.path);
  writer.record(seen(2));
  ASSERT_TRUE(eventually([&] { return writer.written() == 2; }));
  writer.stop(milliseconds(1000));
  EXPECT_EQ(writer.files_gone(), 1U);
  const auto store = open_store(settings, Access::kRead);
  EXPECT_TRUE(store->room("RM_100"));
  EXPECT_TRUE(store->room("RM_2"));
  EXPECT_FALSE(store->room("RM_1")) << "the replaced file's log was not played into the new one";
}

}  // namespace
}  // namespace ar::ledger
