#pragma once
// The HTTP shapes routes work with, kept apart from Beast so routes stay plain functions.
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace ar::server {

// Views into the connection's buffers: valid until the request is answered.
struct HttpRequest {
  std::string_view method;
  std::string_view target;
  std::string_view authorization;
  std::string_view body;
};

struct HttpResponse {
  unsigned status = 200;
  std::string body;
  // The views below name string literals: an answer may be written long after it was built.
  std::string_view content_type = "text/plain; charset=utf-8";
  std::string_view allow;             // the Allow header of a 405
  std::string_view www_authenticate;  // the WWW-Authenticate header of a 401
  std::string_view retry_after;       // the Retry-After header of a 503 (seconds)
  // What only the token's holder may see (the ledger's API and page): never cached, never
  // sniffed as another type, never framed, no script (server/response_head.cpp).
  bool confidential = false;

  // A plain-text answer: the body and a newline.
  static HttpResponse text(unsigned status, std::string_view body) {
    HttpResponse answer;
    answer.status = status;
    answer.body.reserve(body.size() + 1);
    answer.body.append(body).push_back('\n');
    return answer;
  }
};

// Where a Responder's answer goes: the connection, which writes it on its own thread.
class ResponseSink {
 public:
  ResponseSink() = default;
  ResponseSink(const ResponseSink&) = delete;
  ResponseSink& operator=(const ResponseSink&) = delete;

  // Called once per request, from any thread.
  virtual void answer(HttpResponse response) = 0;

 protected:
  ~ResponseSink() = default;
};

// The one answer to one request: call it once, at once or later, from any thread. Move-only; it
// keeps the connection (and the request's views) alive until it answers. One destroyed without
// answering answers 500, so a lost answer neither hangs the client nor leaks the connection.
class Responder {
 public:
  explicit Responder(std::shared_ptr<ResponseSink> sink) noexcept : sink_(std::move(sink)) {}
  Responder(Responder&& other) noexcept = default;
  Responder& operator=(Responder&& other) noexcept {
    if (this != &other) {
      abandon();
      sink_ = std::move(other.sink_);
    }
    return *this;
  }
  Responder(const Responder&) = delete;
  Responder& operator=(const Responder&) = delete;
  ~Responder() { abandon(); }

  void operator()(HttpResponse answer) {
    if (const auto sink = std::exchange(sink_, nullptr)) sink->answer(std::move(answer));
  }
  // Whether it still owes its answer.
  explicit operator bool() const { return sink_ != nullptr; }

 private:
  void abandon() noexcept {
    if (sink_) (*this)(HttpResponse::text(500, "the request was dropped without an answer"));
  }

  std::shared_ptr<ResponseSink> sink_;  // null once answered
};

// Answers a request through `respond`, at once or later (the connection reads no further request
// until then). It runs on the connection's I/O thread, so what it does before it returns delays
// that thread's other connections.
using Handler = std::function<void(const HttpRequest&, Responder respond)>;

}  // namespace ar::server
