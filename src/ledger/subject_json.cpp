#include "ledger/subject_json.hpp"

#include <boost/json.hpp>

#include "ledger/json_fields.hpp"

namespace ar::ledger {

namespace json = boost::json;

json::object subject_to_json(const Subject& subject) {
  return json::object{{"kind", model::to_string(subject.kind)},
                      {"sid", subject.sid},
                      {"participant", subject.participant},
                      {"track_id", subject.track_id}};
}

std::optional<Subject> subject_from_json(const json::value& value) {
  const json::object* o = value.if_object();
  if (o == nullptr) return std::nullopt;
  Subject subject;
  subject.kind = model::kRecordingKindNames.named(text_field(*o, "kind"))
                     .value_or(model::RecordingKind::kOther);
  if (!model::is_subject(subject.kind)) return std::nullopt;
  subject.sid = text_field(*o, "sid");
  if (subject.sid.empty()) return std::nullopt;
  subject.participant = text_field(*o, "participant");
  subject.track_id = text_field(*o, "track_id");
  return subject;
}

json::array missing_to_json(const std::vector<Missing>& missing) {
  json::array out;
  for (const Missing& m : missing) {
    json::object o = subject_to_json(m.subject);
    o.emplace("error", m.error);
    out.push_back(std::move(o));
  }
  return out;
}

std::vector<Missing> missing_from_json(const json::value& value) {
  std::vector<Missing> out;
  if (!value.is_array()) return out;
  for (const json::value& item : value.get_array()) {
    if (auto subject = subject_from_json(item)) {
      out.push_back({std::move(*subject), text_field(item.get_object(), "error")});
    }
  }
  return out;
}

std::vector<Missing> missing_from_text(std::string_view text) {
  if (text == "[]") return {};  // nearly every session's, read after each write of it
  boost::system::error_code ec;
  const json::value value = json::parse(text, ec);
  return ec ? std::vector<Missing>{} : missing_from_json(value);
}

}  // namespace ar::ledger
