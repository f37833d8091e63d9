#include "recording/recording.hpp"

#include <array>

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

std::string_view storage_name(const Storage& storage) {
  static constexpr std::array<std::string_view, 5> kNames{"s3", "azure", "gcp", "alioss", "egress"};
  return kNames.at(storage.index());
}

}  // namespace ar::recording
