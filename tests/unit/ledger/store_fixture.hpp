#pragma once
// The ledger's store on both databases, for tests: a SQLite file in a directory of the test's
// own, or the PostgreSQL server tests/postgres.sh starts (AR_TEST_POSTGRES_URL), emptied first.
// Instances named "Postgres/..." run only through ctest's integration.ledger_postgres.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "ledger/open.hpp"
#include "ledger/postgres_database.hpp"

namespace ar::testing {

enum class Backend { kSqlite, kPostgres };

inline std::string postgres_url() {
  const char* url = std::getenv("AR_TEST_POSTGRES_URL");
  return url != nullptr ? url : "";
}

// A directory of the test's own, for SQLite files.
class TestDirectory {
 public:
  TestDirectory()
      : dir_(std::filesystem::temp_directory_path() /
             ("ledger-test-" + std::to_string(::getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name())) {
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  ~TestDirectory() { std::filesystem::remove_all(dir_); }
  TestDirectory(const TestDirectory&) = delete;
  TestDirectory& operator=(const TestDirectory&) = delete;
  std::string path(const char* name = "ledger.db") const { return (dir_ / name).string(); }

 private:
  std::filesystem::path dir_;
};

// A recording as egress reports it.
inline ledger::Recording recording(std::string id, model::EgressStatus status,
                                   std::int64_t started_ms = 0, std::int64_t ended_ms = 0) {
  ledger::Recording r;
  r.egress_id = std::move(id);
  r.status = status;
  r.started_ms = started_ms;
  r.ended_ms = ended_ms;
  return r;
}

inline std::vector<ledger::Status> apply(ledger::Store& store, std::vector<ledger::Entry> entries) {
  return store.apply(entries);
}

class StoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kPostgres) {
      ASSERT_FALSE(postgres_url().empty()) << "run through tests/postgres.sh run";
      ledger::PostgresDatabase(postgres_url(), ledger::Access::kWrite)
          .exec("DROP SCHEMA public CASCADE; CREATE SCHEMA public");
    }
  }
  std::unique_ptr<ledger::Store> open(ledger::Access access = ledger::Access::kWrite) const {
    ledger::Settings settings;
    settings.path = dir_.path();
    if (GetParam() == Backend::kPostgres) settings.postgres_url = postgres_url();
    return ledger::open_store(settings, access);
  }

  TestDirectory dir_;
};

}  // namespace ar::testing
