#pragma once
// The ledger over HTTP, on the main listener: GET /v1/rooms (a window of room sessions, newest
// first, in pages), GET /v1/rooms/{sid}, and GET /ui (the last day's sessions as a page for
// people). Off (404) until api_token is set; then every request carries it, checked in constant
// time, or gets 401: "Authorization: Bearer <token>", or HTTP Basic with the token as password
// (what a browser sends for /ui). Query parameters that do not parse get 400 naming the
// parameter.
#include <functional>
#include <mutex>
#include <string>

#include "ledger/store.hpp"
#include "server/http.hpp"

namespace ar::server {

class LedgerApi {
 public:
  // `ledger`: read by one request at a time; null when the ledger is off. Keeps references.
  LedgerApi(std::string token, ledger::Store* ledger);

  // Whether `target` is the API's.
  static bool owns(std::string_view path) {
    return path == "/v1" || path.starts_with("/v1/") || path == "/ui";
  }

  // A Handler: what does not need the store is answered at once, reads through read().
  void handle(const HttpRequest& request, Responder respond);

 private:
  using Read = std::function<HttpResponse(ledger::Store&)>;

  void rooms(std::string_view query, Responder respond);
  void room(std::string_view sid, Responder respond);
  void ui(std::string_view query, Responder respond);
  // Answers what `answer` reads from the store, under the lock; busy (503) while another request
  // reads. `answer` owns what it needs: the one place a read could move off the I/O thread.
  void read(Responder respond, const Read& answer);

  std::string token_;
  ledger::Store* ledger_;
  std::mutex mutex_;  // the store's connection serves one request at a time
};

}  // namespace ar::server
