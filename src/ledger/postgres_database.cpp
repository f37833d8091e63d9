#include "ledger/postgres_database.hpp"

#include <algorithm>
#include <array>
#include <memory>
#include <vector>

#include "ledger/libpq.hpp"
#include "ledger/store.hpp"
#include "util/redact.hpp"

namespace ar::ledger {
namespace {

constexpr Oid kInt8 = 20;
constexpr Oid kText = 25;
// Replicas starting together take turns at the schema (pg_advisory_xact_lock's key).
constexpr const char* kSchemaLock = "SELECT pg_advisory_xact_lock(4242003)";

struct ResultDeleter {
  void operator()(PGresult* result) const { libpq().clear(result); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

struct OptionsDeleter {
  void operator()(PQconninfoOption* options) const { libpq().conninfoFree(options); }
};

bool succeeded(const PGresult* result) {
  const ExecStatusType status = libpq().resultStatus(result);
  return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

}  // namespace

namespace {

// The server answered, and said no: no wait fixes a wrong password, an unknown database or role,
// a pg_hba.conf rule or a TLS mismatch. Anything else (refused, timed out, a name not found, the
// server starting up or shutting down, too many connections) is an outage.
bool answered_no(std::string_view why) {
  constexpr std::array<std::string_view, 7> kRefusals{"password authentication failed",
                                                      "authentication failed",
                                                      "no password supplied",
                                                      "does not exist",
                                                      "pg_hba.conf",
                                                      "does not support SSL",
                                                      "certificate"};
  return std::any_of(kRefusals.begin(), kRefusals.end(),
                     [why](std::string_view refusal) { return why.find(refusal) != why.npos; });
}

struct Parsed {
  std::string where;
  std::string password;
};

// Parsed before connecting, so that a malformed URL is reported without libpq quoting it back.
Parsed parse(const std::string& url) {
  char* parse_error = nullptr;
  const std::unique_ptr<PQconninfoOption, OptionsDeleter> options(
      libpq().conninfoParse(url.c_str(), &parse_error));
  libpq().freemem(parse_error);
  if (!options) {
    throw StoreError(
        "is not a PostgreSQL URL: write postgresql://USER:PASSWORD@HOST:5432/DATABASE");
  }
  std::string host = "localhost";
  std::string port = "5432";
  std::string database;
  Parsed parsed;
  for (const PQconninfoOption* o = options.get(); o->keyword != nullptr; ++o) {
    if (o->val == nullptr) continue;
    const std::string_view keyword = o->keyword;
    if (keyword == "password") parsed.password = o->val;
    if (keyword == "host" || keyword == "hostaddr") host = o->val;
    if (keyword == "port") port = o->val;
    if (keyword == "dbname") database = o->val;
  }
  parsed.where = "postgresql://" + host + ":" + port + "/" + database;
  return parsed;
}

}  // namespace

std::string postgres_where(const std::string& url) {
  try {
    return parse(url).where;
  } catch (const StoreError&) {
    return "postgresql://(unparsable URL)";
  }
}

PostgresDatabase::PostgresDatabase(const std::string& url, Access access) {
  Parsed parsed = parse(url);
  where_ = std::move(parsed.where);
  password_ = std::move(parsed.password);
  // The URL's own settings win over these defaults: later keywords override earlier ones. A
  // server that stops answering fails a write after 30 s (tcp_user_timeout, keepalives) instead
  // of holding the writer for the kernel's two hours; the writer then retries.
  const std::array<const char*, 6> keywords{"connect_timeout", "tcp_user_timeout",
                                            "keepalives_idle", "application_name",
                                            "dbname",          nullptr};
  const std::array<const char*, 6> values{"5",         "30000", "30", "auto-recorder",
                                          url.c_str(), nullptr};
  conn_ = libpq().connectdbParams(keywords.data(), values.data(), 1);
  if (libpq().status(conn_) != CONNECTION_OK) {
    const std::string why = libpq().errorMessage(conn_);
    libpq().finish(conn_);
    conn_ = nullptr;
    if (answered_no(why)) fail("cannot connect: " + why);
    throw StoreUnreachable(where_ + ": " + redacted("cannot connect: " + why));
  }
  // NOTICEs ("relation already exists, skipping") would go to stderr as they are.
  libpq().setNoticeProcessor(
      conn_, [](void* /*arg*/, const char* /*message*/) {}, nullptr);
  read_only_ = access == Access::kRead;
  try {
    if (read_only_) exec("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY");
  } catch (...) {
    libpq().finish(conn_);  // no destructor runs for a constructor that throws
    conn_ = nullptr;
    throw;
  }
}

PostgresDatabase::~PostgresDatabase() {
  libpq().finish(conn_);
}

void PostgresDatabase::fail(std::string_view what) const {
  throw StoreError(where_ + ": " + redacted(what));
}

std::string PostgresDatabase::redacted(std::string_view what) const {
  std::string message = util::redact_url_passwords(what);
  if (!password_.empty()) {
    for (auto at = message.find(password_); at != std::string::npos;
         at = message.find(password_, at)) {
      message.replace(at, password_.size(), "<redacted>");
    }
  }
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
    message.pop_back();
  }
  return message;
}

void PostgresDatabase::reconnect_if_lost() {
  if (libpq().status(conn_) == CONNECTION_OK) return;
  libpq().reset(conn_);  // the same parameters; the session's settings are set again below
  if (libpq().status(conn_) != CONNECTION_OK) {
    fail(std::string("connection lost: ") + libpq().errorMessage(conn_));
  }
  if (read_only_) exec("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY");
  if (limit_.count() > 0) limit_statements(limit_);
}

std::size_t PostgresDatabase::each(std::string_view sql, std::span<const Param> params,
                                   const std::function<void(const Row&)>& row) {
  // Inside a transaction a lost connection fails the transaction: it is never half-redone.
  if (!in_transaction_) reconnect_if_lost();
  std::vector<std::string> texts;
  std::vector<Oid> types;
  texts.reserve(params.size());
  for (const Param& param : params) {
    if (const auto* number = std::get_if<std::int64_t>(&param)) {
      texts.push_back(std::to_string(*number));
      types.push_back(kInt8);
    } else {
      texts.emplace_back(std::get<std::string_view>(param));
      types.push_back(kText);
    }
  }
  std::vector<const char*> values;
  values.reserve(texts.size());
  for (const std::string& text : texts) values.push_back(text.c_str());
  const std::string statement(sql);
  const auto execute = [&] {
    return ResultPtr(libpq().execParams(conn_, statement.c_str(), static_cast<int>(values.size()),
                                        types.data(), values.data(), nullptr, nullptr, 0));
  };
  ResultPtr result = execute();
  // A connection the server dropped (a restart) shows only when used: outside a transaction the
  // statement is tried once more on a new one, so the first read after an outage works.
  if (!succeeded(result.get()) && !in_transaction_ && libpq().status(conn_) == CONNECTION_BAD) {
    reconnect_if_lost();
    result = execute();
  }
  if (!succeeded(result.get())) {
    // 57014, query_canceled: statement_timeout stopped it (or a DBA cancelled it).
    const char* state = libpq().resultErrorField(result.get(), PG_DIAG_SQLSTATE);
    if (state != nullptr && std::string_view(state) == "57014") {
      throw StoreTimeout("the statement ran past its time limit");
    }
    fail(libpq().errorMessage(conn_));
  }
  const int rows = libpq().ntuples(result.get());
  const int columns = libpq().nfields(result.get());
  Row current;
  current.columns.resize(static_cast<std::size_t>(columns));
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < columns; ++c) {
      current.columns[static_cast<std::size_t>(c)].assign(
          libpq().getvalue(result.get(), r, c),
          static_cast<std::size_t>(libpq().getlength(result.get(), r, c)));
    }
    row(current);
  }
  const char* changed = libpq().cmdTuples(result.get());
  return changed[0] == '\0' ? 0 : std::stoul(changed);
}

void PostgresDatabase::exec(const std::string& sql) {
  const ResultPtr result(libpq().exec(conn_, sql.c_str()));
  if (!succeeded(result.get())) fail(libpq().errorMessage(conn_));
}

void PostgresDatabase::begin() {
  reconnect_if_lost();
  exec("BEGIN");
  in_transaction_ = true;
}

void PostgresDatabase::commit() {
  in_transaction_ = false;
  exec("COMMIT");
}

void PostgresDatabase::rollback() noexcept {
  in_transaction_ = false;
  libpq().clear(libpq().exec(conn_, "ROLLBACK"));
}

int PostgresDatabase::lock_schema_version() {
  exec(kSchemaLock);
  exec("CREATE TABLE IF NOT EXISTS ledger_schema (version BIGINT NOT NULL)");
  const Result result = run("SELECT version FROM ledger_schema", {});
  return result.rows.empty() ? 0 : static_cast<int>(result.rows.front().integer(0));
}

void PostgresDatabase::set_schema_version(int version) {
  exec("DELETE FROM ledger_schema");
  run("INSERT INTO ledger_schema (version) VALUES ($1)", {std::int64_t{version}});
}

// Waiting for a lock counts: a table a migration or VACUUM FULL holds stops the read too.
void PostgresDatabase::limit_statements(std::chrono::milliseconds limit) {
  limit_ = limit;
  exec("SET statement_timeout = " + std::to_string(limit.count()));
}

int PostgresDatabase::schema_version() {
  const Result exists = run("SELECT to_regclass('ledger_schema') IS NOT NULL", {});
  if (exists.rows.empty() || exists.rows.front().text(0) != "t") return 0;
  const Result result = run("SELECT version FROM ledger_schema", {});
  return result.rows.empty() ? 0 : static_cast<int>(result.rows.front().integer(0));
}

// pg_trgm ships with PostgreSQL (contrib) and is a trusted extension: a role that may create in
// the database creates it. One that may not (or a server without it) gets no index, and a warning
// in the server's log: the ledger works the same, and a glob without a literal prefix scans the
// window (docs/ledger.md says how to add the index later).
std::string PostgresDatabase::name_trigrams() const {
  return R"sql(
DO $$ BEGIN
  CREATE EXTENSION IF NOT EXISTS pg_trgm;
  CREATE INDEX )sql" +
         std::string(kNameTrigrams) + R"sql( ON rooms USING gin (name gin_trgm_ops);
EXCEPTION WHEN OTHERS THEN
  RAISE WARNING 'auto-recorder: no trigram index of room names (%): name globs without a literal prefix scan; see docs/ledger.md', SQLERRM;
END $$;
)sql";
}

}  // namespace ar::ledger
