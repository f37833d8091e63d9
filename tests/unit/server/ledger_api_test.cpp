// The ledger over HTTP as a client sees it (docs/ledger.md): the token, the 400s that name a
// parameter, and the answers for a small ledger in a real SQLite store.
#include "server/ledger_api.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <future>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include "ledger/store_fixture.hpp"
#include "server/answer.hpp"
#include "server/ledger_query.hpp"
#include "util/base64.hpp"
#include "util/wall_clock.hpp"

namespace ar::server {
namespace {

namespace json = boost::json;
using ledger::Decided;
using ledger::RecordingStarted;
using ledger::RoomFinished;
using ledger::RoomSeen;

constexpr std::string_view kToken = "api-token-of-the-test";
const std::string kBearer = "Bearer " + std::string(kToken);

HttpResponse ask(LedgerApi& api, std::string_view target, std::string_view authorization = kBearer,
                 std::string_view method = "GET") {
  return ar::testing::answer_within(
      [&api](const HttpRequest& r, Responder respond) { api.handle(r, std::move(respond)); },
      {.method = method, .target = target, .authorization = authorization, .body = ""});
}

std::vector<std::string> sids(const HttpResponse& answer) {
  std::vector<std::string> out;
  const json::value body = json::parse(answer.body);
  for (const json::value& room : body.at("rooms").as_array()) {
    out.emplace_back(room.at("sid").as_string());
  }
  return out;
}

constexpr std::int64_t kMinute = 60 * 1000;

// Three sessions of the last hour: one recording, one skipped, one that ended unrecorded.
class LedgerApiTest : public ::testing::Test {
 protected:
  LedgerApiTest() {
    const std::int64_t now = util::unix_ms_now();
    ar::testing::apply(
        *store_,
        {RoomSeen{"RM_1", "class-1", now - 30 * kMinute, "webhook", R"({"course":"chem"})"},
         Decided{"RM_1", true, "top level"}, RecordingStarted{"RM_1", "EG_1", now - 29 * kMinute},
         RoomSeen{"RM_2", "lobby-1", now - 20 * kMinute, "webhook", ""},
         Decided{"RM_2", false, "rules[0]"},
         RoomSeen{"RM_3", "class-2", now - 10 * kMinute, "reconciler", ""},
         Decided{"RM_3", true, "top level"},
         RoomFinished{"RM_3", now - 5 * kMinute, "class-2", now - 10 * kMinute, ""}});
  }

  static std::unique_ptr<ledger::Store> open(const ar::testing::TestDirectory& dir,
                                             ledger::Access access) {
    ledger::Settings settings;
    settings.path = dir.path();
    return ledger::open_store(settings, access, std::chrono::seconds(5));
  }

  ar::testing::TestDirectory dir_;
  std::unique_ptr<ledger::Store> store_ = open(dir_, ledger::Access::kWrite);
  ledger::Readers readers_{[this] { return open(dir_, ledger::Access::kRead); },
                           nullptr,
                           {.threads = 4, .max_waiting = 64}};
  LedgerApi api_{std::string(kToken), &readers_, std::chrono::seconds(5)};
};

TEST_F(LedgerApiTest, ListsTheWindowNewestFirstWithEachSessionsFields) {
  const HttpResponse answer = ask(api_, "/v1/rooms");
  ASSERT_EQ(answer.status, 200U) << answer.body;
  EXPECT_EQ(answer.content_type, "application/json");
  EXPECT_EQ(sids(answer), (std::vector<std::string>{"RM_3", "RM_2", "RM_1"}));
  const json::value body = json::parse(answer.body);
  EXPECT_EQ(body.at("next_page_token"), "");
  const json::value& first = body.at("rooms").at(2);
  EXPECT_EQ(first.at("name"), "class-1");
  EXPECT_EQ(first.at("status"), "recording");
  EXPECT_FALSE(first.as_object().contains("metadata")) << "left out unless asked";
  const json::value asked = json::parse(ask(api_, "/v1/rooms?fields=metadata").body);
  EXPECT_EQ(asked.at("rooms").at(2).at("metadata"), R"({"course":"chem"})");
  EXPECT_EQ(asked.at("rooms").at(2).at("metadata_truncated"), false);
  EXPECT_EQ(asked.at("rooms").at(2).at("metadata_bytes"), 17);
  EXPECT_EQ(first.at("recordings").at(0).at("egress_id"), "EG_1");
  EXPECT_EQ(body.at("rooms").at(1).at("status"), "skipped");
  EXPECT_EQ(body.at("rooms").at(0).at("status"), "unrecorded");
}

TEST_F(LedgerApiTest, FiltersByStatusNameAndWindow) {
  EXPECT_EQ(sids(ask(api_, "/v1/rooms?status=skipped")), std::vector<std::string>{"RM_2"});
  EXPECT_EQ(sids(ask(api_, "/v1/rooms?name=class-*")), (std::vector<std::string>{"RM_3", "RM_1"}));
  EXPECT_EQ(sids(ask(api_, "/v1/rooms?since=25m&until=15m")), std::vector<std::string>{"RM_2"});
  EXPECT_TRUE(sids(ask(api_, "/v1/rooms?since=2030-01-01T00:00:00Z")).empty());
}

TEST_F(LedgerApiTest, PagesFollowTheirTokens) {
  std::vector<std::string> seen;
  std::string target = "/v1/rooms?limit=2";
  for (int page = 0; page < 3; ++page) {
    const HttpResponse answer = ask(api_, target);
    ASSERT_EQ(answer.status, 200U) << answer.body;
    for (std::string& sid : sids(answer)) seen.push_back(std::move(sid));
    const std::string token(json::parse(answer.body).at("next_page_token").as_string());
    if (token.empty()) break;
    target = "/v1/rooms?limit=2&page_token=" + token;
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"RM_3", "RM_2", "RM_1"}));
}

TEST_F(LedgerApiTest, OneSessionByItsSid) {
  const HttpResponse found = ask(api_, "/v1/rooms/RM_1");
  ASSERT_EQ(found.status, 200U) << found.body;
  EXPECT_EQ(json::parse(found.body).at("name"), "class-1");
  const HttpResponse missing = ask(api_, "/v1/rooms/RM_9");
  EXPECT_EQ(missing.status, 404U);
  EXPECT_EQ(missing.body, "no such room session in the ledger\n");
  EXPECT_EQ(ask(api_, "/v1/rooms/RM_1/files").status, 404U);
  EXPECT_EQ(ask(api_, "/v1/other").status, 404U);
}

TEST_F(LedgerApiTest, AParameterThatDoesNotParseIs400NamingIt) {
  const std::string kWrite =
      "write RFC 3339 (2026-11-30T08:00:00Z) or a duration back from now (24h, 7d)";
  const std::vector<std::pair<std::string, std::string>> cases{
      {"status=done",
       "query parameter status: is not recording, recorded, partial, stopped, skipped or "
       "unrecorded"},
      {"limit=0", "query parameter limit: must be a number from 1 to 1000"},
      {"limit=1001", "query parameter limit: must be a number from 1 to 1000"},
      {"limit=ten", "query parameter limit: must be a number from 1 to 1000"},
      {"bogus=1",
       "query parameter bogus: is not one of since, until, status, name, limit, page_token, "
       "fields"},
      {"fields=files",
       "query parameter fields: names a field other than metadata, the one a list leaves out"},
      {"fields=metadata,",
       "query parameter fields: names a field other than metadata, the one a list leaves out"},
      {"%3Cscript%3E=1",
       "query parameter (a name that is not a word): is not one of since, until, status, name, "
       "limit, page_token, fields"},
      {"page_token=nope", "query parameter page_token: is not one this service gave"},
      {"page_token=:RM_1", "query parameter page_token: is not one this service gave"},
      {"page_token=99999999999999999999999:x",
       "query parameter page_token: is not one this service gave"},
      {"page_token=-1:RM_1", "query parameter page_token: is not one this service gave"},
      {"page_token=253402300800000:RM_1",
       "query parameter page_token: is not one this service gave"},
      {"page_token=1:", "query parameter page_token: is not one this service gave"},
      {"page_token=1:RM%0A1", "query parameter page_token: is not one this service gave"},
      {"since=yesterday", "query parameter since: " + kWrite},
      {"since=2025-02-29T12:00:00Z", "query parameter since: there is no such date: " + kWrite},
      {"since=1h&until=2h", "query parameter until: is not after since: the window is empty"},
      {"name=%zz", "the query string does not parse"},
  };
  for (const auto& [query, text] : cases) {
    const HttpResponse answer = ask(api_, "/v1/rooms?" + query);
    EXPECT_EQ(answer.status, 400U) << query;
    EXPECT_EQ(answer.body, text + "\n") << query;
    EXPECT_TRUE(answer.confidential) << query;
  }
}

TEST_F(LedgerApiTest, WithoutTheTokenIs401WithTheWayToSignIn) {
  for (const std::string_view authorization :
       {std::string_view(""), std::string_view("Bearer wrong"), std::string_view("Bearer"),
        std::string_view("Token api-token-of-the-test")}) {
    const HttpResponse answer = ask(api_, "/v1/rooms", authorization);
    EXPECT_EQ(answer.status, 401U) << authorization;
    EXPECT_EQ(answer.body, "missing or wrong API token: send Authorization: Bearer <api_token>\n");
    EXPECT_EQ(answer.www_authenticate, "Bearer realm=\"auto-recorder\"");
    EXPECT_TRUE(answer.confidential);
  }
  const HttpResponse page = ask(api_, "/ui", "");
  EXPECT_EQ(page.status, 401U);
  EXPECT_EQ(page.www_authenticate, R"(Basic realm="auto-recorder", charset="UTF-8")");
  // A browser's Basic credentials carry the token as password, any user name; the scheme's
  // name is case-insensitive.
  const std::string basic = util::base64_encode("anyone:" + std::string(kToken));
  EXPECT_EQ(ask(api_, "/ui", "Basic " + basic).status, 200U);
  EXPECT_EQ(ask(api_, "/v1/rooms", "bearer " + std::string(kToken)).status, 200U);
  const std::string wrong = util::base64_encode("anyone:wrong");
  EXPECT_EQ(ask(api_, "/ui", "Basic " + wrong).status, 401U);
}

TEST_F(LedgerApiTest, OnlyGetAndHead) {
  const HttpResponse answer = ask(api_, "/v1/rooms", kBearer, "POST");
  EXPECT_EQ(answer.status, 405U);
  EXPECT_EQ(answer.allow, "GET, HEAD");
  EXPECT_EQ(ask(api_, "/v1/rooms", kBearer, "HEAD").status, 200U);
}

TEST_F(LedgerApiTest, ThePageShowsTheDayAndTakesOnlyStatus) {
  const HttpResponse page = ask(api_, "/ui?status=skipped");
  ASSERT_EQ(page.status, 200U);
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_NE(page.body.find("lobby-1"), std::string::npos);
  EXPECT_EQ(page.body.find("class-1"), std::string::npos);
  EXPECT_NE(ask(api_, "/ui?status=").body.find("class-1"), std::string::npos);
  EXPECT_EQ(ask(api_, "/ui?status=done").status, 400U);
  const HttpResponse other = ask(api_, "/ui?limit=5");
  EXPECT_EQ(other.status, 400U);
  EXPECT_EQ(other.body, "query parameter limit: is not status, the page's one parameter\n");
}

// Past the page's 1000 rows: the counts are the whole day's, and a status of older sessions is
// found by the query, not among the newest rows.
TEST_F(LedgerApiTest, ThePageCountsTheWholeDayAndFiltersByStatusInTheQuery) {
  const std::int64_t now = util::unix_ms_now();
  std::vector<ledger::Entry> entries;
  for (int i = 0; i < 1150; ++i) {
    const std::string sid = "RM_day_" + std::to_string(1000 + i);
    const bool old = i < 150;
    entries.emplace_back(RoomSeen{sid, "day-" + std::to_string(i),
                                  now - (old ? 20 : 10) * 60 * kMinute + i * 1000, "webhook", ""});
    entries.emplace_back(Decided{sid, !old, old ? "rules[0]" : "top level"});
    if (!old) entries.emplace_back(RecordingStarted{sid, "EG_" + sid, now - kMinute});
  }
  ar::testing::apply(*store_, std::move(entries));
  const auto rows = [](const std::string& html) {
    std::size_t n = 0;
    for (auto at = html.find("<tr id="); at != std::string::npos;
         at = html.find("<tr id=", at + 1)) {
      ++n;
    }
    return n;
  };
  const HttpResponse page = ask(api_, "/ui");
  ASSERT_EQ(page.status, 200U);
  EXPECT_NE(page.body.find(R"(class="all current" data-count="1153")"), std::string::npos);
  EXPECT_NE(page.body.find(R"(class="status skipped" data-count="151")"), std::string::npos);
  EXPECT_NE(page.body.find(R"(class="status recording" data-count="1001")"), std::string::npos);
  EXPECT_EQ(rows(page.body), 1000U);
  EXPECT_NE(page.body.find("Only the newest 1000 sessions are shown"), std::string::npos);
  const HttpResponse skipped = ask(api_, "/ui?status=skipped");
  EXPECT_EQ(rows(skipped.body), 151U);
  EXPECT_NE(skipped.body.find(R"(class="all" data-count="1153")"), std::string::npos);
  const HttpResponse listed = ask(api_, "/v1/rooms?status=skipped&limit=1000");
  ASSERT_EQ(listed.status, 200U) << listed.body;
  EXPECT_EQ(sids(listed).size(), 151U);
}

// Metadata of 90 KB a room: a list with fields=metadata cuts each at 64 KiB, at a character's
// start, and ends its page at about 4 MiB with a token to go on; the room's own page has it all.
TEST_F(LedgerApiTest, ListsCutLargeMetadataAndEndTheirPageAtItsByteBudget) {
  const std::int64_t now = util::unix_ms_now();
  std::string large;
  for (int i = 0; i < 30000; ++i) large += "\u20AC";  // 3 bytes each: 64 KiB is not a whole one
  std::vector<ledger::Entry> entries;
  for (int i = 0; i < 100; ++i) {
    entries.emplace_back(RoomSeen{"RM_big_" + std::to_string(100 + i), "big",
                                  now - 50 * kMinute + i * 1000, "webhook", large});
  }
  ar::testing::apply(*store_, std::move(entries));
  std::string target = "/v1/rooms?name=big&limit=1000&fields=metadata";
  std::size_t rooms = 0;
  std::size_t pages = 0;
  for (; pages < 10; ++pages) {
    const HttpResponse answer = ask(api_, target);
    ASSERT_EQ(answer.status, 200U) << answer.body;
    EXPECT_LE(answer.body.size(), std::size_t{5} << 20);
    const json::value body = json::parse(answer.body);
    for (const json::value& room : body.at("rooms").as_array()) {
      ++rooms;
      EXPECT_EQ(room.at("metadata").as_string().size(), 65535U);
      EXPECT_EQ(room.at("metadata_truncated"), true);
      EXPECT_EQ(room.at("metadata_bytes"), 90000);
    }
    const std::string token(body.at("next_page_token").as_string());
    if (token.empty()) break;
    target = "/v1/rooms?name=big&limit=1000&fields=metadata&page_token=" + token;
  }
  EXPECT_EQ(rooms, 100U);
  EXPECT_EQ(pages, 1U) << "two pages of 4 MiB";
  EXPECT_EQ(json::parse(ask(api_, "/v1/rooms/RM_big_100").body).at("metadata").as_string(), large);
  const HttpResponse without = ask(api_, "/v1/rooms?name=big&limit=1000");
  EXPECT_EQ(sids(without).size(), 100U);
  EXPECT_LT(without.body.size(), std::size_t{100} << 10);
}

TEST_F(LedgerApiTest, EightClientsAtOnceAreAllAnswered) {
  std::vector<unsigned> statuses(8);
  std::vector<std::thread> clients;
  for (std::size_t i = 0; i < statuses.size(); ++i) {
    clients.emplace_back(
        [this, &statuses, i] { statuses[i] = ask(api_, i % 2 == 0 ? "/v1/rooms" : "/ui").status; });
  }
  for (std::thread& client : clients) client.join();
  for (const unsigned status : statuses) EXPECT_EQ(status, 200U);
}

TEST(LedgerApiOff, WithoutATokenOrALedgerIs404SayingWhy) {
  LedgerApi no_token("", nullptr, std::chrono::seconds(5));
  const HttpResponse off = ask(no_token, "/v1/rooms");
  EXPECT_EQ(off.status, 404U);
  EXPECT_EQ(off.body, "not found: the API is off until api_token is set\n");
  LedgerApi no_ledger(std::string(kToken), nullptr, std::chrono::seconds(5));
  const HttpResponse no_store = ask(no_ledger, "/v1/rooms");
  EXPECT_EQ(no_store.status, 404U);
  EXPECT_EQ(no_store.body,
            "not found: the ledger is off (ledger: off, or redis: without ledger.postgres_url)\n");
}

// A store whose reads fail as `Failure` says, or wait until let go.
template <typename Failure>
class FailingStore final : public ledger::Store {
 public:
  explicit FailingStore(std::string why) : why_(std::move(why)) {}
  std::vector<ledger::Status> apply(std::span<const ledger::Entry> /*entries*/) override {
    return {};
  }
  ledger::Page rooms(const ledger::Query& /*query*/) override { throw Failure(why_); }
  ledger::Counts counts(const ledger::Query& /*window*/) override { throw Failure(why_); }
  std::optional<ledger::Session> room(std::string_view /*sid*/) override { throw Failure(why_); }
  ledger::Pruned prune(std::int64_t /*before_ms*/, std::size_t /*limit*/) override {
    return {0, true};
  }
  ledger::Unsettled unsettled() override { return {}; }

 private:
  std::string why_;
};

template <typename Failure>
ledger::Readers::Open failing(std::string why) {
  return [why] { return std::make_unique<FailingStore<Failure>>(why); };
}

TEST(LedgerApiDegraded, AStoreThatCannotBeReadIs503WithRetryAfter) {
  ledger::Readers readers(failing<ledger::StoreError>("ledger.db: disk I/O error"), nullptr, {});
  LedgerApi api(std::string(kToken), &readers, std::chrono::seconds(5));
  for (const std::string_view target : {"/v1/rooms", "/v1/rooms/RM_1", "/ui"}) {
    const HttpResponse answer = ask(api, target);
    EXPECT_EQ(answer.status, 503U) << target;
    EXPECT_EQ(answer.retry_after, "1") << target;
    EXPECT_EQ(answer.body, "the ledger cannot be read now: ledger.db: disk I/O error\n") << target;
  }
}

TEST(LedgerApiDegraded, AQueryStoppedAtItsTimeLimitIs503SayingSo) {
  ledger::Readers readers(failing<ledger::StoreTimeout>("interrupted"), nullptr, {});
  LedgerApi api(std::string(kToken), &readers, std::chrono::seconds(2));
  const HttpResponse answer = ask(api, "/v1/rooms?since=400d&name=*x*");
  EXPECT_EQ(answer.status, 503U);
  EXPECT_EQ(answer.retry_after, "1");
  EXPECT_EQ(answer.body,
            "the ledger query ran past its time limit (2s): narrow the window (since, until) "
            "or the name glob\n");
}

TEST(LedgerApiDegraded, ABugInAReadIs500AndTheReaderLivesOn) {
  ledger::Readers readers(failing<std::out_of_range>("vector::at"), nullptr, {.threads = 1});
  LedgerApi api(std::string(kToken), &readers, std::chrono::seconds(5));
  EXPECT_EQ(ask(api, "/v1/rooms").status, 500U);
  EXPECT_EQ(ask(api, "/v1/rooms").status, 500U);  // answered: the thread still reads
}

// A store whose reads wait until the test lets them go: the readers are all busy.
class HeldStore final : public ledger::Store {
 public:
  explicit HeldStore(std::shared_future<void> release) : release_(std::move(release)) {}
  std::vector<ledger::Status> apply(std::span<const ledger::Entry> /*entries*/) override {
    return {};
  }
  ledger::Page rooms(const ledger::Query& /*query*/) override {
    release_.wait_for(std::chrono::seconds(10));  // a failed test ends, not hangs
    return {};
  }
  ledger::Counts counts(const ledger::Query& /*window*/) override { return {}; }
  std::optional<ledger::Session> room(std::string_view /*sid*/) override { return std::nullopt; }
  ledger::Pruned prune(std::int64_t /*before_ms*/, std::size_t /*limit*/) override {
    return {0, true};
  }
  ledger::Unsettled unsettled() override { return {}; }

 private:
  std::shared_future<void> release_;
};

TEST(LedgerApiDegraded, PastTheWaitingReadsIs503WithRetryAfterAndTheOthersAreAnswered) {
  std::promise<void> release;
  const std::shared_future<void> released = release.get_future().share();
  ledger::Readers readers([released] { return std::make_unique<HeldStore>(released); }, nullptr,
                          {.threads = 1, .max_waiting = 2});
  LedgerApi api(std::string(kToken), &readers, std::chrono::seconds(5));
  const HttpRequest request{
      .method = "GET", .target = "/v1/rooms", .authorization = kBearer, .body = ""};
  std::vector<std::shared_ptr<ar::testing::Answer>> held;
  // One runs, two wait; until the first is running, a third may still be queued, so ask until
  // one is refused.
  std::optional<HttpResponse> refused;
  for (int i = 0; i < 5 && !refused; ++i) {
    held.push_back(std::make_shared<ar::testing::Answer>());
    api.handle(request, Responder(held.back()));
    if (held.back()->answers() == 1) refused = held.back()->wait(std::chrono::milliseconds(0));
  }
  ASSERT_TRUE(refused) << "never refused";
  EXPECT_EQ(refused->status, 503U);
  EXPECT_EQ(refused->retry_after, "1");
  EXPECT_EQ(refused->body, "the ledger is answering too many requests: retry in a moment\n");
  EXPECT_LE(held.size(), 4U);  // 1 running + 2 waiting + the refused one
  release.set_value();
  held.pop_back();
  for (const auto& answer : held) EXPECT_EQ(answer->wait()->status, 200U);
}

TEST(LedgerQuery, APageTokenIsTheLastSessionsStartAndSid) {
  const ledger::PageAfter after{1700000000123, "RM_x:y"};
  EXPECT_EQ(page_token(after), "1700000000123:RM_x:y");
  const auto parsed = parse_page_token(page_token(after));
  ASSERT_TRUE(parsed) << parsed.error();
  EXPECT_EQ(parsed->started_ms, after.started_ms);
  EXPECT_EQ(parsed->sid, "RM_x:y");
  for (const std::string_view bad : {"", "RM_1", ":RM_1", "12a:RM_1", "x:"}) {
    const auto refused = parse_page_token(bad);
    ASSERT_FALSE(refused) << bad;
    EXPECT_EQ(refused.error(), "is not one this service gave");
  }
}

TEST(LedgerQuery, DefaultsToTheLastDayAndReadsEachParameter) {
  constexpr std::int64_t kNow = 1764504000000;  // 2025-11-30T12:00:00Z
  const auto plain = parse_rooms_query("", kNow);
  ASSERT_TRUE(plain) << plain.error();
  EXPECT_EQ(plain->since_ms, kNow - 24 * 3600 * 1000);
  EXPECT_EQ(plain->until_ms, std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(plain->limit, 100U);
  EXPECT_FALSE(plain->status);
  EXPECT_FALSE(plain->after);
  const auto full = parse_rooms_query(
      "since=2h&until=2025-11-30T11:00:00Z&status=partial&name=class-%2A&limit=5&page_token=9:RM_1",
      kNow);
  ASSERT_TRUE(full) << full.error();
  EXPECT_EQ(full->since_ms, kNow - 2 * 3600 * 1000);
  EXPECT_EQ(full->until_ms, kNow - 3600 * 1000);
  EXPECT_EQ(full->status, ledger::Status::kPartial);
  EXPECT_EQ(full->name_glob, "class-*");
  EXPECT_EQ(full->limit, 5U);
  ASSERT_TRUE(full->after);
  EXPECT_EQ(full->after->started_ms, 9);
  EXPECT_EQ(full->after->sid, "RM_1");
  const auto shown = parse_ui_query("status=partial");
  ASSERT_TRUE(shown) << shown.error();
  EXPECT_EQ(*shown, ledger::Status::kPartial);
}

}  // namespace
}  // namespace ar::server
