#include "ledger/files_json.hpp"

#include <boost/json.hpp>

namespace ar::ledger {

namespace json = boost::json;

json::array files_to_json(const std::vector<File>& files) {
  json::array out;
  for (const File& f : files) {
    out.push_back(json::object{{"filename", f.filename},
                               {"location", f.location},
                               {"size", f.size},
                               {"duration_seconds", f.duration_seconds}});
  }
  return out;
}

std::vector<File> files_from_json(const json::value& value) {
  std::vector<File> out;
  if (!value.is_array()) return out;
  for (const json::value& item : value.get_array()) {
    const json::object* o = item.if_object();
    if (o == nullptr) continue;
    File f;
    if (const auto* v = o->if_contains("filename"); v && v->is_string())
      f.filename = v->get_string();
    if (const auto* v = o->if_contains("location"); v && v->is_string())
      f.location = v->get_string();
    if (const auto* v = o->if_contains("size"); v && v->is_int64()) f.size = v->get_int64();
    if (const auto* v = o->if_contains("duration_seconds"); v && v->is_number()) {
      f.duration_seconds = v->to_number<double>();
    }
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace ar::ledger
