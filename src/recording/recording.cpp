#include "recording/recording.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <array>
#include <string>

#include "recording/storage.hpp"

namespace ar::recording {

std::string_view to_string(FileType type) {
  switch (type) {
    case FileType::kMp4:
      return "MP4";
    case FileType::kOgg:
      return "OGG";
    case FileType::kMp3:
      return "MP3";
  }
  return "MP4";
}

bool ParticipantFilter::matches(std::string_view participant_identity, model::ParticipantKind kind,
                                const Attributes& participant_attributes) const {
  if (kind == model::ParticipantKind::kEgress) return false;  // never an egress's own participant
  if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end()) return false;
  if (!identity.empty() &&
      fnmatch(identity.c_str(), std::string(participant_identity).c_str(), 0) != 0) {
    return false;
  }
  return std::all_of(attributes.begin(), attributes.end(), [&](const auto& wanted) {
    return std::find(participant_attributes.begin(), participant_attributes.end(), wanted) !=
           participant_attributes.end();
  });
}

std::string_view storage_name(const Storage& storage) {
  static constexpr std::array<std::string_view, 5> kNames{"s3", "azure", "gcp", "alioss", "egress"};
  return kNames.at(storage.index());
}

}  // namespace ar::recording
