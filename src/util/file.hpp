#pragma once
// Reading a whole small file that an operator named: a configuration or a secret. Only a regular
// file is read (a directory, a device or a FIFO would read as nothing, never end, or block), and
// only up to a cap, so a wrong path can neither hang startup nor exhaust memory.
#include <cstddef>
#include <stdexcept>
#include <string>

namespace ar::util {

class FileError : public std::runtime_error {
 public:
  enum class Kind { kMissing, kDirectory, kNotRegular, kTooLarge, kUnreadable };
  FileError(Kind kind, const std::string& what) : std::runtime_error(what), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

// The content of the regular file at `path`, at most `max_bytes` long. Throws FileError whose
// message says what is wrong with the path ("is a directory", "is larger than 1 MiB", ...), never
// anything of the content.
std::string read_small_file(const std::string& path, std::size_t max_bytes);

// "64 KiB", "1 MiB": a cap as messages and docs name it.
std::string size_name(std::size_t bytes);

}  // namespace ar::util
