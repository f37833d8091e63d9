#include "report/html.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

#include "report/rooms.hpp"

namespace ar::report {

using ledger::File;
using ledger::Recording;
namespace {

constexpr std::array<Status, 6> kStatuses{Status::kRecording, Status::kRecorded,
                                          Status::kPartial,   Status::kStopped,
                                          Status::kSkipped,   Status::kUnrecorded};

constexpr const char* kStyle = R"css(
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1f2328; }
h1 { font-size: 1.3rem; margin: 0 0 .8rem; }
nav a { display: inline-block; margin: 0 .4rem .4rem 0; padding: .2rem .6rem; border-radius: 1rem;
        text-decoration: none; color: #1f2328; border: 2px solid transparent; background: #eef; }
nav a.current { border-color: #1f2328; }
nav b { margin-left: .3rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #d0d7de; vertical-align: top; }
th { font-weight: 600; background: #f6f8fa; }
small { color: #59636e; }
.status { padding: .1rem .5rem; border-radius: .8rem; font-weight: 600; white-space: nowrap; }
.recording { background: #ddf4ff; color: #0969da; }
.recorded { background: #dafbe1; color: #1a7f37; }
.partial { background: #fff1c2; color: #9a6700; }
.stopped { background: #eaeef2; color: #424a53; }
.skipped { background: #f6f8fa; color: #6e7781; }
.unrecorded { background: #ffebe9; color: #cf222e; }
.bar { position: relative; width: 16rem; height: .9rem; background: #ffebe9; border-radius: .2rem; }
.bar.none { background: #eaeef2; }
.bar span { position: absolute; top: 0; bottom: 0; border-radius: .2rem; background: #2da44e; }
.bar span.failed { background: #d4a72c; }
.bar span.active { background: #54aeff; }
.empty { color: #59636e; padding: 1rem 0; }
)css";

std::string percent(double value) {
  std::array<char, 16> buffer{};
  std::snprintf(buffer.data(), buffer.size(), "%.1f%%", std::clamp(value, 0.0, 100.0));
  return buffer.data();
}

bool linkable(std::string_view location) {
  for (const std::string_view scheme : {"https://", "http://", "s3://", "gs://", "oss://"}) {
    if (location.starts_with(scheme)) return true;
  }
  return false;
}

std::string recording_class(const Recording& r) {
  if (model::is_failure(r.status)) return "failed";
  return ledger::recording_active(r) ? "active" : "done";
}

// The room's life from its start to its end (or now), and the part each recording covered.
std::string coverage_bar(const Session& room, std::int64_t now_ms) {
  const std::int64_t from = room.started_ms;
  const std::int64_t to = std::max(room.finished_ms != 0 ? room.finished_ms : now_ms, from + 1);
  const auto at = [&](std::int64_t ms) {
    return 100.0 * static_cast<double>(std::clamp(ms, from, to) - from) /
           static_cast<double>(to - from);
  };
  // Red where the room went unrecorded; grey for a room not to be recorded.
  std::string out =
      std::string("<div class=\"bar") + (room.status == Status::kSkipped ? " none" : "") +
      "\" title=\"the room's life, " + html_escape(rfc3339(from)) + " to " +
      (room.finished_ms != 0 ? html_escape(rfc3339(room.finished_ms)) : "now") + "\">";
  // The room's composite shows what of its life was recorded; participants' and tracks' do when
  // the rule asked for no composite.
  const bool composite = ledger::asks_for(room, model::RecordingKind::kRoomComposite);
  for (const Recording& r : room.recordings) {
    if (composite && r.kind != model::RecordingKind::kRoomComposite) continue;
    const std::int64_t start = r.started_ms != 0 ? r.started_ms : from;
    const std::int64_t end = r.ended_ms != 0 ? r.ended_ms : to;
    const double left = at(start);
    out += "<span class=\"" + recording_class(r) + "\" data-egress=\"" + html_escape(r.egress_id) +
           "\" style=\"left:" + percent(left) + ";width:" + percent(std::max(at(end) - left, 0.5)) +
           "\" title=\"" +
           html_escape(r.egress_id + " " + std::string(model::to_string(r.status))) + "\"></span>";
  }
  return out + "</div>";
}

// "participant alice", "track TR_x of alice": whom a recording or a missing one records.
std::string subject_text(model::RecordingKind kind, const std::string& participant,
                         const std::string& track_id) {
  if (kind == model::RecordingKind::kTrack) {
    return "track " + track_id + (participant.empty() ? "" : " of " + participant);
  }
  return "participant " + participant;
}

// One recording's lines: where its files are, and what went wrong.
void recording_lines(std::string& out, const Recording& r) {
  std::vector<std::string> locations;
  for (const File& f : r.files) locations.push_back(f.location);
  if (!r.playlist_location.empty()) locations.push_back(r.playlist_location);
  if (!r.manifest_location.empty()) locations.push_back(r.manifest_location);
  for (const std::string& location : locations) {
    if (location.empty()) continue;
    if (!out.empty()) out += "<br>";
    out += linkable(location)
               ? "<a href=\"" + html_escape(location) + "\">" + html_escape(location) + "</a>"
               : html_escape(location);
  }
  if (!r.error.empty()) {
    if (!out.empty()) out += "<br>";
    out += "<small>" + html_escape(r.error) + "</small>";
  }
  if (!r.duplicate_of.empty()) {
    if (!out.empty()) out += "<br>";
    out += "<small>" + html_escape(r.egress_id) + ": stopped: duplicate of " +
           html_escape(r.duplicate_of) + "</small>";
  }
  if (r.backup_storage_used) {
    if (!out.empty()) out += "<br>";
    out += "<small>" + html_escape(r.egress_id) +
           ": uploaded to egress's backup storage, not where the rule said</small>";
  }
  if (ledger::recording_end_unknown(r)) {
    if (!out.empty()) out += "<br>";
    out += "<small>" + html_escape(r.egress_id) +
           ": LiveKit forgot it before its end was known; look for its file</small>";
  }
}

// The session's recordings by kind: the room's first, then each participant's and track's under
// its name, then those the rule asked for that did not start.
std::string files_cell(const Session& room) {
  std::string out;
  for (const model::RecordingKind kind : model::kRecordedKinds) {
    for (const Recording& r : room.recordings) {
      if (r.kind != kind) continue;
      if (kind != model::RecordingKind::kRoomComposite) {
        if (!out.empty()) out += "<br>";
        out += "<b class=\"kind\">" + html_escape(subject_text(kind, r.participant, r.track_id)) +
               "</b>";
      }
      recording_lines(out, r);
    }
  }
  for (const ledger::Missing& m : room.missing) {
    if (!out.empty()) out += "<br>";
    out += "<b class=\"kind\">" +
           html_escape(subject_text(m.subject.kind, m.subject.participant, m.subject.track_id)) +
           "</b> <small class=\"missing\">not recorded: " + html_escape(m.error) + "</small>";
  }
  if (out.empty() && !room.start_error.empty())
    out = "<small>" + html_escape(room.start_error) + "</small>";
  if (!room.closed_by.empty()) {
    if (!out.empty()) out += "<br>";
    out +=
        R"(<small class="inferred">end inferred by the reconciler: room_finished never came</small>)";
  }
  return out;
}

std::string row(const Session& room, std::int64_t now_ms) {
  const std::string status(to_string(room.status));
  return "<tr id=\"" + html_escape(room.sid) + "\" data-status=\"" + status + "\"><td>" +
         html_escape(rfc3339(room.started_ms)) + "</td><td><span class=\"status " + status + "\">" +
         status + "</span></td><td class=\"delay\">" + delay_text(room) + "</td><td>" +
         html_escape(room.name) + "<br><small>" + html_escape(room.sid) +
         (room.rule.empty() ? "" : " · " + html_escape(room.rule)) + "</small></td><td>" +
         coverage_bar(room, now_ms) + "</td><td class=\"files\">" + files_cell(room) +
         "</td></tr>\n";
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string rooms_html(const HtmlPage& page) {
  std::size_t all = 0;
  for (const auto& [status, count] : page.counts) all += count;
  const auto count_of = [&page](Status status) {
    const auto found = page.counts.find(status);
    return std::to_string(found == page.counts.end() ? 0 : found->second);
  };
  std::string out =
      "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>auto-recorder: rooms of the last " +
      html_escape(page.window) + "</title><style>" + kStyle +
      "</style></head><body>\n<h1>Rooms of the last " + html_escape(page.window) + "</h1>\n<nav>";
  out += std::string(R"(<a href="/ui" class="all)") + (page.showing ? "" : " current") +
         "\" data-count=\"" + std::to_string(all) + "\">all<b>" + std::to_string(all) + "</b></a>";
  for (const Status status : kStatuses) {
    const std::string name(to_string(status));
    const std::string count = count_of(status);
    out += "<a href=\"/ui?status=" + name + "\" class=\"status " + name +
           (page.showing == status ? " current" : "") + "\" data-count=\"" + count + "\">" + name +
           "<b>" + count + "</b></a>";
  }
  out += "</nav>\n";
  if (page.truncated) {
    out += "<p><small>Only the newest " + std::to_string(page.rooms.size()) +
           " sessions are shown; <code>auto-recorder report</code> lists them all.</small></p>\n";
  }
  std::string rows;
  for (const Session& room : page.rooms) rows += row(room, page.now_ms);
  if (rows.empty()) {
    return out + "<p class=\"empty\">No room sessions" +
           (page.showing ? " with status " + std::string(to_string(*page.showing)) : "") +
           " in this window.</p>\n</body></html>\n";
  }
  return out +
         "<table><thead><tr><th>Started (UTC)</th><th>Status</th><th>Start delay</th>"
         "<th>Room</th><th>Recorded part of the room's life</th><th>Files</th></tr></thead>"
         "<tbody>\n" +
         rows + "</tbody></table>\n</body></html>\n";
}

}  // namespace ar::report
