#include "ledger/libpq.hpp"

#include <dlfcn.h>

#include <string>

#include "ledger/store.hpp"

namespace ar::ledger {
namespace {

template <typename Function>
void resolve(void* library, Function& function, const char* name) {
  void* symbol = dlsym(library, name);
  if (symbol == nullptr) {
    throw StoreError(std::string("libpq.so.5 has no ") + name + ": install Debian's libpq5");
  }
  function = reinterpret_cast<Function>(symbol);  // NOLINT: dlsym's contract
}

LibPq load() {
  // Never unloaded: connections may live until exit.
  void* library = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) {
    throw StoreError(
        "PostgreSQL's client library libpq.so.5 is not installed: apt-get install libpq5 (the "
        "image has it)");
  }
  LibPq pq{};
  resolve(library, pq.conninfoParse, "PQconninfoParse");
  resolve(library, pq.conninfoFree, "PQconninfoFree");
  resolve(library, pq.freemem, "PQfreemem");
  resolve(library, pq.connectdbParams, "PQconnectdbParams");
  resolve(library, pq.status, "PQstatus");
  resolve(library, pq.errorMessage, "PQerrorMessage");
  resolve(library, pq.finish, "PQfinish");
  resolve(library, pq.reset, "PQreset");
  resolve(library, pq.setNoticeProcessor, "PQsetNoticeProcessor");
  resolve(library, pq.exec, "PQexec");
  resolve(library, pq.execParams, "PQexecParams");
  resolve(library, pq.resultStatus, "PQresultStatus");
  resolve(library, pq.ntuples, "PQntuples");
  resolve(library, pq.nfields, "PQnfields");
  resolve(library, pq.getvalue, "PQgetvalue");
  resolve(library, pq.getlength, "PQgetlength");
  resolve(library, pq.cmdTuples, "PQcmdTuples");
  resolve(library, pq.clear, "PQclear");
  resolve(library, pq.resultErrorField, "PQresultErrorField");
  return pq;
}

}  // namespace

const LibPq& libpq() {
  static const LibPq loaded = load();  // a failed load throws, and is tried again next time
  return loaded;
}

}  // namespace ar::ledger
