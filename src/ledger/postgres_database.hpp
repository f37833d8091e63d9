#pragma once
// The ledger on a PostgreSQL server, which every replica writes (libpq). A lost connection is
// opened again on the next use, so the writer's retries reach a server that came back. No error
// carries the URL's password.
#include <string>

#include "ledger/database.hpp"

struct pg_conn;

namespace ar::ledger {

// "postgresql://host:port/database" of a URL: where the ledger is, for messages.
std::string postgres_where(const std::string& url);

class PostgresDatabase final : public Database {
 public:
  // Throws StoreError when `url` does not parse or the server cannot be reached. kRead
  // connections cannot write.
  PostgresDatabase(const std::string& url, Access access);
  ~PostgresDatabase() override;

  std::size_t each(std::string_view sql, std::span<const Param> params,
                   const std::function<void(const Row&)>& row) override;
  void exec(const std::string& sql) override;
  void begin() override;
  void commit() override;
  void rollback() noexcept override;
  int lock_schema_version() override;
  void set_schema_version(int version) override;
  int schema_version() override;
  void limit_statements(std::chrono::milliseconds limit) override;
  std::string_view bytewise() const override { return "\"C\""; }
  std::string_view skip_locked() const override { return " FOR UPDATE SKIP LOCKED"; }
  std::string byte_length(std::string_view text) const override {
    return "octet_length(" + std::string(text) + ")";
  }
  std::string through(std::string_view table, std::string_view /*index*/) const override {
    return std::string(table);
  }
  // Migration 5's GIN index (Database::name_trigrams).
  static constexpr std::string_view kNameTrigrams = "rooms_by_name_trigrams";
  std::string name_trigrams() const override;
  bool has_name_trigrams() override {
    return run("SELECT COUNT(*) FROM pg_indexes WHERE schemaname = current_schema() AND "
               "indexname = $1",
               {kNameTrigrams})
               .rows.at(0)
               .integer(0) > 0;
  }
  std::string containing(std::string_view like, std::string_view /*glob*/) const override {
    return "name LIKE " + std::string(like) + " ESCAPE '\\'";
  }
  std::string found_by_trigrams(std::string_view like, std::string_view glob) const override {
    return "rooms WHERE " + containing(like, glob);
  }

  // "postgresql://host:port/database": the server, for messages.
  const std::string& where() const { return where_; }

 private:
  void reconnect_if_lost();
  [[noreturn]] void fail(std::string_view what) const;
  // `what` without the URL's password, nor the password anywhere in it.
  std::string redacted(std::string_view what) const;

  pg_conn* conn_ = nullptr;
  std::string password_;  // kept only to scrub it from libpq's messages
  std::string where_;
  bool in_transaction_ = false;
  bool read_only_ = false;
  std::chrono::milliseconds limit_{0};  // statement_timeout; 0: the server's
};

}  // namespace ar::ledger
