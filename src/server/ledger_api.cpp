#include "server/ledger_api.hpp"

#include "report/html.hpp"
#include "report/rooms.hpp"
#include "server/ledger_query.hpp"
#include "telemetry/log.hpp"
#include "telemetry/service_metrics.hpp"
#include "util/base64.hpp"
#include "util/crypto.hpp"
#include "util/duration.hpp"
#include "util/text.hpp"
#include "util/wall_clock.hpp"

namespace ar::server {
namespace {

HttpResponse json(std::string body) {
  HttpResponse answer;
  answer.body = std::move(body);
  answer.content_type = "application/json";
  return answer;
}

// A 503 a client should try again after a second: the readers are busy, or the ledger is down.
HttpResponse unavailable(std::string_view reason) {
  HttpResponse answer = HttpResponse::text(503, reason);
  answer.retry_after = "1";
  return answer;
}

// The token a request presents: "Bearer <token>", or "Basic base64(<any user>:<token>)".
std::string presented_token(std::string_view authorization) {
  // Schemes' names are case-insensitive (RFC 9110 §11.1).
  const std::size_t space = authorization.find(' ');
  if (space == std::string_view::npos) return {};
  const std::string scheme = util::lower(authorization.substr(0, space));
  const std::string_view credentials = authorization.substr(space + 1);
  if (scheme == "bearer") return std::string(credentials);
  if (scheme != "basic") return {};
  const auto decoded = util::base64_decode(credentials);
  const std::size_t colon = decoded ? decoded->find(':') : std::string::npos;
  return colon == std::string::npos ? std::string() : decoded->substr(colon + 1);
}

// Marks every answer of the API confidential (server/http.hpp), whichever path gives it: those
// of the readers' threads, and the 500 of a Responder let go without answering.
class Confidential final : public ResponseSink {
 public:
  explicit Confidential(Responder inner) : inner_(std::move(inner)) {}
  void answer(HttpResponse response) override {
    response.confidential = true;
    inner_(std::move(response));
  }

 private:
  Responder inner_;
};

}  // namespace

LedgerApi::LedgerApi(std::string token, ledger::Readers* readers,
                     std::chrono::milliseconds query_timeout)
    : token_(std::move(token)), readers_(readers), query_timeout_(query_timeout) {}

void LedgerApi::handle(const HttpRequest& request, Responder answer_to) {
  Responder respond(std::make_shared<Confidential>(std::move(answer_to)));
  if (token_.empty()) {
    return respond(HttpResponse::text(404, "not found: the API is off until api_token is set"));
  }
  const std::string_view target = request.target;
  const std::size_t question = target.find('?');
  const std::string_view path = target.substr(0, question);
  // Never a null view: Boost.URL's parse_query reads a null one as a C string (a crash).
  const std::string_view query =
      question == std::string_view::npos ? std::string_view("") : target.substr(question + 1);
  const std::string given = presented_token(request.authorization);
  if (given.empty() || !util::constant_time_equal(given, token_)) {
    // A browser asks for a password on Basic; programs send the Bearer token.
    HttpResponse answer = HttpResponse::text(
        401, path == "/ui" ? "missing or wrong API token: sign in with the token as password"
                           : "missing or wrong API token: send Authorization: Bearer <api_token>");
    answer.www_authenticate = path == "/ui" ? R"(Basic realm="auto-recorder", charset="UTF-8")"
                                            : "Bearer realm=\"auto-recorder\"";
    return respond(std::move(answer));
  }
  if (request.method != "GET" && request.method != "HEAD") {
    HttpResponse answer = HttpResponse::text(405, "use GET");
    answer.allow = "GET, HEAD";
    return respond(std::move(answer));
  }
  if (readers_ == nullptr) {
    return respond(HttpResponse::text(
        404, "not found: the ledger is off (ledger: off, or redis: without ledger.postgres_url)"));
  }
  if (path == "/ui") return ui(target, query, std::move(respond));
  if (path == "/v1/rooms") return rooms(target, query, std::move(respond));
  const std::string_view prefix = "/v1/rooms/";
  if (path.starts_with(prefix) && path.size() > prefix.size() &&
      path.find('/', prefix.size()) == std::string_view::npos) {
    return room(target, path.substr(prefix.size()), std::move(respond));
  }
  respond(HttpResponse::text(404, "not found: the API has GET /v1/rooms and GET /v1/rooms/{sid}"));
}

void LedgerApi::rooms(std::string_view target, std::string_view query_text, Responder respond) {
  auto query = parse_rooms_query(query_text, util::unix_ms_now());
  if (!query) return respond(HttpResponse::text(400, query.error()));
  read(std::move(respond), target, [query = std::move(*query)](ledger::Store& store) {
    const ledger::Page page = store.rooms(query);
    return json(report::page_json(page.rooms, page.next ? page_token(*page.next) : "",
                                  report::metadata_read(query.metadata_cap)));
  });
}

void LedgerApi::room(std::string_view target, std::string_view sid, Responder respond) {
  read(std::move(respond), target, [sid = std::string(sid)](ledger::Store& store) {
    const auto found = store.room(sid);
    if (!found) return HttpResponse::text(404, "no such room session in the ledger");
    return json(report::room_json(*found));
  });
}

// Reads run on the readers' threads, never on the HTTP threads that answer webhooks too. The
// Responder is shared because a queued job must be copyable; it answers once either way.
void LedgerApi::read(Responder respond, std::string_view target, Read answer) {
  auto responder = std::make_shared<Responder>(std::move(respond));
  const bool queued =
      readers_->submit([this, responder, target = std::string(target),
                        answer = std::move(answer)](const util::Result<ledger::Store*>& store) {
        (*responder)(answered(store, target, answer));
      });
  if (!queued) {
    metrics::ledger_read(metrics::LedgerRead::kBusy);
    (*responder)(unavailable("the ledger is answering too many requests: retry in a moment"));
  }
}

HttpResponse LedgerApi::answered(const util::Result<ledger::Store*>& store, std::string_view target,
                                 const Read& answer) const {
  if (!store) {
    metrics::ledger_read(metrics::LedgerRead::kFailed);
    return unavailable("the ledger cannot be read now: " + store.error());
  }
  try {
    HttpResponse response = answer(**store);
    metrics::ledger_read(metrics::LedgerRead::kOk);
    return response;
  } catch (const ledger::StoreTimeout&) {
    const std::string limit = util::format_duration(query_timeout_);
    log::warn("ledger query stopped at its time limit (ledger.query_timeout)",
              {{"target", target}, {"limit", limit}});
    metrics::ledger_read(metrics::LedgerRead::kTimeout);
    return unavailable("the ledger query ran past its time limit (" + limit +
                       "): narrow the window (since, until) or the name glob");
  } catch (const ledger::StoreError& e) {
    metrics::ledger_read(metrics::LedgerRead::kFailed);
    return unavailable(std::string("the ledger cannot be read now: ") + e.what());
  } catch (const std::exception& e) {
    // A bug, not the database: said as such, and the reader thread lives on.
    log::error("ledger read failed", {{"target", target}, {"error", e.what()}});
    metrics::ledger_read(metrics::LedgerRead::kFailed);
    return HttpResponse::text(500, "the ledger's answer could not be built");
  }
}

// The last day: the counts of every status over all of it, and the newest sessions of the status
// shown (the filter is the query's, so that a status of older sessions still shows them).
void LedgerApi::ui(std::string_view target, std::string_view query_text, Responder respond) {
  auto showing = parse_ui_query(query_text);
  if (!showing) return respond(HttpResponse::text(400, showing.error()));
  read(std::move(respond), target, [showing = *showing](ledger::Store& store) {
    report::HtmlPage page;
    page.showing = showing;
    page.now_ms = util::unix_ms_now();
    ledger::Query query;
    query.since_ms = page.now_ms - std::int64_t{24} * 3600 * 1000;
    query.limit = 1000;
    query.status = showing;
    page.counts = store.counts(query);
    ledger::Page found = store.rooms(query);
    page.rooms = std::move(found.rooms);
    page.truncated = found.next.has_value();
    HttpResponse answer;
    answer.body = report::rooms_html(page);
    answer.content_type = "text/html; charset=utf-8";
    return answer;
  });
}

}  // namespace ar::server
