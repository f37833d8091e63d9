#include "server/ledger_api.hpp"

#include <boost/url/parse_query.hpp>
#include <charconv>

#include "report/html.hpp"
#include "report/rooms.hpp"
#include "util/base64.hpp"
#include "util/crypto.hpp"
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

HttpResponse bad_parameter(std::string_view name, std::string_view why) {
  return HttpResponse::text(400, "query parameter " + std::string(name) + ": " + std::string(why));
}

HttpResponse busy() {
  return HttpResponse::text(503, "the ledger is answering another request: retry in a moment");
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

HttpResponse bad_status(std::string_view value) {
  std::string why = "\"";
  why.append(value).append("\" is not ").append(model::kSessionStatusNames.listed());
  return bad_parameter("status", why);
}

}  // namespace

LedgerApi::LedgerApi(std::string token, ledger::Store* ledger)
    : token_(std::move(token)), ledger_(ledger) {}

HttpResponse LedgerApi::handle(const HttpRequest& request) {
  if (token_.empty())
    return HttpResponse::text(404, "not found: the API is off until api_token is set");
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
    return answer;
  }
  if (request.method != "GET" && request.method != "HEAD") {
    HttpResponse answer = HttpResponse::text(405, "use GET");
    answer.allow = "GET, HEAD";
    return answer;
  }
  if (ledger_ == nullptr) {
    return HttpResponse::text(
        404, "not found: the ledger is off (ledger: off, or redis: without ledger.postgres_url)");
  }
  if (path == "/ui") return ui(query);
  if (path == "/v1/rooms") return rooms(query);
  const std::string_view prefix = "/v1/rooms/";
  if (path.starts_with(prefix) && path.size() > prefix.size() &&
      path.find('/', prefix.size()) == std::string_view::npos) {
    return room(path.substr(prefix.size()));
  }
  return HttpResponse::text(404, "not found: the API has GET /v1/rooms and GET /v1/rooms/{sid}");
}

HttpResponse LedgerApi::rooms(std::string_view query_text) {
  const auto parsed = boost::urls::parse_query(query_text);
  if (!parsed) return HttpResponse::text(400, "the query string does not parse");
  ledger::Query query;
  std::string since = "24h";
  std::string until;
  for (const auto& encoded : *parsed) {
    const std::string key = encoded.key.decode();
    const std::string value = encoded.has_value ? encoded.value.decode() : std::string();
    if (key == "since") {
      since = value;
    } else if (key == "until") {
      until = value;
    } else if (key == "status") {
      query.status = model::kSessionStatusNames.named(value);
      if (!query.status) return bad_status(value);
    } else if (key == "name") {
      query.name_glob = value;
    } else if (key == "limit") {
      std::size_t limit = 0;
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), limit);
      if (ec != std::errc() || end != value.data() + value.size() || limit == 0 || limit > 1000) {
        return bad_parameter("limit", "must be a number from 1 to 1000");
      }
      query.limit = limit;
    } else if (key == "page_token") {
      query.page_token = value;
    } else {
      return bad_parameter(key, "is not one of since, until, status, name, limit, page_token");
    }
  }
  const std::int64_t now = util::unix_ms_now();
  const auto time_parameter = [now](std::string_view name, const std::string& value,
                                    std::int64_t& at) -> std::optional<HttpResponse> {
    std::string why;
    const auto parsed = report::parse_time(value, now, &why);
    if (parsed) {
      at = *parsed;
      return std::nullopt;
    }
    if (!why.empty()) why += ": ";
    return bad_parameter(name, why + "write RFC 3339 or a duration back from now (24h, 7d)");
  };
  if (auto bad = time_parameter("since", since, query.since_ms)) return *bad;
  if (!until.empty()) {
    if (auto bad = time_parameter("until", until, query.until_ms)) return *bad;
    if (query.until_ms <= query.since_ms) {
      return bad_parameter("until", "is not after since: the window is empty");
    }
  }
  return read([&](ledger::Store& store) {
    try {
      const ledger::Page page = store.rooms(query);
      return json(report::page_json(page.rooms, page.next_page_token));
    } catch (const std::invalid_argument& e) {
      return bad_parameter("page_token", e.what());
    }
  });
}

HttpResponse LedgerApi::room(std::string_view sid) {
  return read([&](ledger::Store& store) {
    const auto found = store.room(sid);
    if (!found)
      return HttpResponse::text(404, "no room session " + std::string(sid) + " in the ledger");
    return json(report::room_json(*found));
  });
}

// Reads run on the HTTP threads: one at a time, and never queued behind another (webhooks wait
// on these threads too).
HttpResponse LedgerApi::read(const std::function<HttpResponse(ledger::Store&)>& answer) {
  try {
    const std::unique_lock lock(mutex_, std::try_to_lock);
    if (!lock) return busy();
    return answer(*ledger_);
  } catch (const ledger::StoreError& e) {
    return HttpResponse::text(503, std::string("the ledger cannot be read now: ") + e.what());
  }
}

// The last day's sessions, newest first: every status, for the counts; the filter picks the rows.
HttpResponse LedgerApi::ui(std::string_view query_text) {
  const auto parsed = boost::urls::parse_query(query_text);
  if (!parsed) return HttpResponse::text(400, "the query string does not parse");
  report::HtmlPage page;
  for (const auto& encoded : *parsed) {
    const std::string key = encoded.key.decode();
    const std::string value = encoded.has_value ? encoded.value.decode() : std::string();
    if (key != "status") return bad_parameter(key, "is not status, the page's one parameter");
    if (value.empty()) continue;  // "all"
    page.showing = model::kSessionStatusNames.named(value);
    if (!page.showing) return bad_status(value);
  }
  page.now_ms = util::unix_ms_now();
  ledger::Query query;
  query.since_ms = page.now_ms - std::int64_t{24} * 3600 * 1000;
  query.limit = 1000;
  return read([&](ledger::Store& store) {
    ledger::Page found = store.rooms(query);
    page.rooms = std::move(found.rooms);
    page.truncated = !found.next_page_token.empty();
    HttpResponse answer;
    answer.body = report::rooms_html(page);
    answer.content_type = "text/html; charset=utf-8";
    return answer;
  });
}

}  // namespace ar::server
