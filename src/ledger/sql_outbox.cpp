// SqlStore as the outbox (ledger/outbox.hpp): notifications written with the status change that
// causes them, claimed by one replica at a time, settled by what the receiver answered.
#include <algorithm>
#include <array>
#include <tuple>

#include "ledger/notification_json.hpp"
#include "ledger/redaction.hpp"
#include "ledger/sql_store.hpp"
#include "ledger/sql_transaction.hpp"

namespace ar::ledger {
namespace {

constexpr const char* kInsert =
    "INSERT INTO notifications (event_id, endpoint, type, room_sid, egress_id, status, body, "
    "created_ms, due_since_ms, next_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $8) "
    "ON CONFLICT (event_id, endpoint) DO NOTHING";

constexpr const char* kColumns =
    "event_id, endpoint, type, room_sid, egress_id, status, created_ms, due_since_ms, state, "
    "attempts, next_ms, delivered_ms, last_error";

Notification notification_from(const Row& row) {
  return {row.text(0),
          row.text(1),
          row.text(2),
          row.text(3),
          row.text(4),
          row.text(5),
          {},
          row.integer(6),
          row.integer(7),
          kDeliveryStateNames.named(row.text(8)).value_or(DeliveryState::kPending),
          row.integer(9),
          row.integer(10),
          row.integer(11),
          row.text(12)};
}

}  // namespace

bool Subscription::wants(model::SessionStatus status) const {
  return statuses.empty() || std::find(statuses.begin(), statuses.end(), status) != statuses.end();
}

// Inside apply's transaction: the events `loaded` (just written) causes, for each endpoint that
// wants them. A recording's end is told once (its notified flag), the session's once it ended.
void SqlStore::write_outbox(const Session& loaded, bool session_ended) {
  if (subscriptions_.empty()) return;
  const std::int64_t now = clock_();
  const auto write = [&](EventType type, const std::string& of, const std::string& egress_id,
                         const auto& make_body) {
    for (const Subscription& s : subscriptions_) {
      if (!s.wants(type)) continue;
      if (type == EventType::kSessionFinished && !s.wants(loaded.status)) continue;
      db_->run(kInsert, {event_id(type, of), s.endpoint, to_string(type), loaded.sid, egress_id,
                         to_string(loaded.status), make_body(s), now});
    }
  };
  // Most writes are of sessions none of whose recordings has ended (a burst of room_started):
  // no statement then.
  const bool any_ended = std::any_of(
      loaded.recordings.begin(), loaded.recordings.end(),
      [](const Recording& r) { return model::is_final(r.status) || !r.closed_by.empty(); });
  const Result ended_now =
      any_ended ? db_->run(
                      "UPDATE recordings SET notified = 1 WHERE room_sid = $1 AND notified = 0 "
                      "AND (is_final = 1 OR closed_by <> '') RETURNING egress_id",
                      {loaded.sid})
                : Result{};
  for (const Row& row : ended_now.rows) {
    const auto r = std::find_if(loaded.recordings.begin(), loaded.recordings.end(),
                                [&](const Recording& r) { return r.egress_id == row.text(0); });
    // A duplicate stopped for the one kept is no recording of the session's.
    if (r == loaded.recordings.end() || !r->duplicate_of.empty()) continue;
    write(EventType::kRecordingEnded, r->egress_id, r->egress_id,
          [&](const Subscription&) { return recording_ended_body(loaded, *r, now); });
  }
  if (!session_ended) return;
  std::optional<Session> with_metadata;
  write(EventType::kSessionFinished, loaded.sid, "", [&](const Subscription& s) {
    if (!s.metadata) return session_finished_body(loaded, false, now);
    if (!with_metadata) {
      with_metadata = loaded;
      for (const Row& row :
           db_->run("SELECT metadata FROM rooms WHERE sid = $1", {loaded.sid}).rows)
        with_metadata->metadata = row.text(0);
      redact(*with_metadata);
    }
    return session_finished_body(*with_metadata, true, now);
  });
}

std::vector<Notification> SqlStore::notifications(std::string_view sid) {
  std::vector<Notification> out;
  const std::array<Param, 1> params{sid};
  db_->each(
      std::string("SELECT ") + kColumns +
          " FROM notifications WHERE room_sid = $1 ORDER BY created_ms, type, event_id, endpoint",
      params, [&out](const Row& row) { out.push_back(notification_from(row)); });
  return out;
}

std::vector<Notification> SqlStore::claim(std::int64_t now_ms, std::int64_t lease_ms,
                                          std::size_t limit, std::string_view endpoint) {
  std::vector<Notification> claimed;
  const std::array<Param, 4> params{now_ms, lease_ms, static_cast<std::int64_t>(limit), endpoint};
  in_transaction(*db_, [&] {
    db_->each(
        std::string(
            "UPDATE notifications SET next_ms = $2, attempts = attempts + 1 WHERE "
            "(event_id, endpoint) IN (SELECT event_id, endpoint FROM notifications WHERE "
            "state = 'pending' AND next_ms <= $1 AND endpoint = $4 ORDER BY next_ms LIMIT $3") +
            std::string(db_->skip_locked()) + ") RETURNING " + kColumns + ", body",
        params, [&claimed](const Row& row) {
          claimed.push_back(notification_from(row));
          claimed.back().body = row.text(13);
        });
  });
  // The order they were made in: a recording's end before its session's.
  std::sort(claimed.begin(), claimed.end(), [](const Notification& a, const Notification& b) {
    return std::tie(a.created_ms, a.type, a.id) < std::tie(b.created_ms, b.type, b.id);
  });
  return claimed;
}

void SqlStore::settle(std::span<const Outcome> outcomes) {
  in_transaction(*db_, [&] {
    for (const Outcome& o : outcomes) {
      db_->run(
          "UPDATE notifications SET state = $3, next_ms = $4, last_error = $5, "
          "delivered_ms = CASE WHEN $3 = 'delivered' THEN $6 ELSE delivered_ms END "
          "WHERE event_id = $1 AND endpoint = $2 AND state = 'pending' AND attempts = $7 AND "
          "next_ms = $8",
          {o.id, o.endpoint, to_string(o.state), o.next_ms, o.error, o.at_ms, o.claimed_attempts,
           o.claimed_lease});
    }
  });
}

std::map<std::string, Backlog, std::less<>> SqlStore::backlog() {
  std::map<std::string, Backlog, std::less<>> out;
  db_->each(
      "SELECT endpoint, COUNT(*), MIN(due_since_ms) FROM notifications WHERE state = 'pending' "
      "GROUP BY endpoint",
      {}, [&out](const Row& row) {
        out[row.text(0)] = {static_cast<std::size_t>(row.integer(1)), row.integer(2)};
      });
  return out;
}

std::size_t SqlStore::resend(std::int64_t since_ms, std::optional<model::SessionStatus> status,
                             std::string_view endpoint, std::int64_t now_ms) {
  std::size_t changed = 0;
  in_transaction(*db_, [&] {
    changed =
        db_->run(
               "UPDATE notifications SET state = 'pending', next_ms = $4, due_since_ms = $4, "
               "attempts = 0, last_error = '', delivered_ms = 0 WHERE created_ms >= $1 AND "
               "($2 = '' OR room_sid IN (SELECT sid FROM rooms WHERE status = $2)) AND "
               "($3 = '' OR endpoint = $3)",
               {since_ms, status ? to_string(*status) : std::string_view(""), endpoint, now_ms})
            .changed;
  });
  return changed;
}

}  // namespace ar::ledger
