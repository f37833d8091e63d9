#pragma once
// The ledger over HTTP, on the main listener: GET /v1/rooms (a window of room sessions, newest
// first, in pages), GET /v1/rooms/{sid}, and GET /ui (the last day's sessions as a page for
// people). Off (404) until api_token is set; then every request carries it, checked in constant
// time, or gets 401: "Authorization: Bearer <token>", or HTTP Basic with the token as password
// (what a browser sends for /ui). Query parameters that do not parse get 400 naming the
// parameter.
#include <chrono>
#include <functional>
#include <string>

#include "ledger/readers.hpp"
#include "ledger/store.hpp"
#include "server/http.hpp"

namespace ar::server {

class LedgerApi {
 public:
  // `readers`: where reads run; null when the ledger is off. `query_timeout`: their connections'
  // limit, for the answer that says it was reached. Keeps references.
  LedgerApi(std::string token, ledger::Readers* readers, std::chrono::milliseconds query_timeout);

  // Whether `target` is the API's.
  static bool owns(std::string_view path) {
    return path == "/v1" || path.starts_with("/v1/") || path == "/ui";
  }

  // A Handler: what does not need the store is answered at once, reads through read().
  void handle(const HttpRequest& request, Responder answer_to);

 private:
  using Read = std::function<HttpResponse(ledger::Store&)>;

  void rooms(std::string_view target, std::string_view query, Responder respond);
  void room(std::string_view target, std::string_view sid, Responder respond);
  void ui(std::string_view target, std::string_view query, Responder respond);
  // Answers, from a reader thread, what `answer` reads from the store; 503 with Retry-After at
  // once when too many reads wait. `answer` owns what it needs. `target` names the request in
  // the warning of a query stopped at its time limit.
  void read(Responder respond, std::string_view target, Read answer);
  HttpResponse answered(const util::Result<ledger::Store*>& store, std::string_view target,
                        const Read& answer) const;

  std::string token_;
  ledger::Readers* readers_;
  std::chrono::milliseconds query_timeout_;
};

}  // namespace ar::server
