#pragma once
// libpq, loaded when the ledger is on PostgreSQL and not before. Linked at build time, it would
// load 19 more shared libraries (Kerberos, LDAP, GnuTLS, ...) into every process, 4 MB of
// resident memory for a feature most deployments do not use (docs/performance.md).
#include <libpq-fe.h>

namespace ar::ledger {

// The functions the ledger calls, by their names without "PQ".
struct LibPq {
  decltype(&PQconninfoParse) conninfoParse;
  decltype(&PQconninfoFree) conninfoFree;
  decltype(&PQfreemem) freemem;
  decltype(&PQconnectdbParams) connectdbParams;
  decltype(&PQstatus) status;
  decltype(&PQerrorMessage) errorMessage;
  decltype(&PQfinish) finish;
  decltype(&PQreset) reset;
  decltype(&PQsetNoticeProcessor) setNoticeProcessor;
  decltype(&PQexec) exec;
  decltype(&PQexecParams) execParams;
  decltype(&PQresultStatus) resultStatus;
  decltype(&PQntuples) ntuples;
  decltype(&PQnfields) nfields;
  decltype(&PQgetvalue) getvalue;
  decltype(&PQgetlength) getlength;
  decltype(&PQcmdTuples) cmdTuples;
  decltype(&PQclear) clear;
  decltype(&PQresultErrorField) resultErrorField;
};

// Loads libpq.so.5 on first use; throws StoreError naming the package when it is not installed.
const LibPq& libpq();

}  // namespace ar::ledger
