#pragma once
// A recording's files as JSON, one shape everywhere the ledger writes them: the recordings table's
// `files` column, the spill file, and the API and report
// ([{"filename", "location", "size", "duration_seconds"}]).
#include <boost/json/fwd.hpp>
#include <vector>

#include "ledger/model.hpp"

namespace ar::ledger {

boost::json::array files_to_json(const std::vector<File>& files);
// What is not an array of objects reads as no files; a field missing or of another type as empty.
std::vector<File> files_from_json(const boost::json::value& value);

}  // namespace ar::ledger
