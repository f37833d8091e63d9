#pragma once
// A participant or track as JSON, one shape everywhere the ledger writes it: the spill file's
// entries, the rooms table's `missing` column, and the API and report
// ({"kind", "sid", "participant", "track_id"}, and "error" for a missing one).
#include <boost/json/fwd.hpp>
#include <optional>
#include <vector>

#include "ledger/model.hpp"

namespace ar::ledger {

boost::json::object subject_to_json(const Subject& subject);
// nullopt for what is not an object with a sid and the kind of a participant or a track.
std::optional<Subject> subject_from_json(const boost::json::value& value);

boost::json::array missing_to_json(const std::vector<Missing>& missing);
// What is not an array reads as nothing missing; an item that is not a subject is left out.
std::vector<Missing> missing_from_json(const boost::json::value& value);
// The same, from the text of the rooms table's column: what does not parse reads as nothing.
std::vector<Missing> missing_from_text(std::string_view text);

}  // namespace ar::ledger
