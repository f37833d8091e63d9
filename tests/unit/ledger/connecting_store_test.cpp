#include "ledger/connecting_store.hpp"

#include <gtest/gtest.h>

namespace ar::ledger {
namespace {

using std::chrono::milliseconds;

// A store that says how many entries it was given.
class OpenStore final : public Store {
 public:
  std::vector<Status> apply(std::span<const Entry> entries) override {
    applied += entries.size();
    return {};
  }
  Page rooms(const Query& /*query*/) override { return {}; }
  Counts counts(const Query& /*window*/) override { return {}; }
  std::optional<Session> room(std::string_view /*sid*/) override { return std::nullopt; }
  Pruned prune(std::int64_t /*before_ms*/, std::size_t /*limit*/) override { return {0, true}; }
  Unsettled unsettled() override { return {}; }
  bool finds_names_within() override { return false; }
  std::size_t applied = 0;
};

TEST(ConnectingStore, CallsFailUntilTheStoreOpensThenGoToIt) {
  int tries = 0;
  bool answers = false;
  OpenStore* opened = nullptr;
  ConnectingStore store(
      [&]() -> std::unique_ptr<Store> {
        ++tries;
        if (!answers) throw StoreUnreachable("postgresql://db:5432/ledger: cannot connect (test)");
        auto made = std::make_unique<OpenStore>();
        opened = made.get();
        return made;
      },
      milliseconds(0));
  const std::vector<Entry> entries{RoomSeen{"RM_1", "r", 1, "webhook", ""}};
  EXPECT_THROW(store.apply(entries), StoreError);
  EXPECT_THROW(store.unsettled(), StoreError);
  EXPECT_TRUE(store.finds_names_within());  // unknown until it opens: no warning yet
  EXPECT_FALSE(store.needs_rebuild());
  store.interrupt();  // nothing to interrupt, and no wait
  EXPECT_EQ(tries, 2);
  answers = true;
  store.apply(entries);
  store.apply(entries);
  EXPECT_EQ(tries, 3);  // opened once
  ASSERT_NE(opened, nullptr);
  EXPECT_EQ(opened->applied, 2U);
  EXPECT_FALSE(store.finds_names_within());
}

TEST(ConnectingStore, TriesAtMostOncePerIntervalAndSaysTheLastReason) {
  int tries = 0;
  ConnectingStore store(
      [&]() -> std::unique_ptr<Store> {
        ++tries;
        throw StoreUnreachable("db: timeout expired");
      },
      std::chrono::hours(1));
  EXPECT_THROW(store.unsettled(), StoreError);
  try {
    store.unsettled();
    FAIL() << "a store that did not open answered";
  } catch (const StoreError& e) {
    EXPECT_STREQ(e.what(), "db: timeout expired");
  }
  EXPECT_EQ(tries, 1);
}

}  // namespace
}  // namespace ar::ledger
