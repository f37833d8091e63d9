#include "util/file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace ar::util {
namespace {

// Closes the descriptor on every way out.
class Descriptor {
 public:
  explicit Descriptor(int fd) : fd_(fd) {}
  ~Descriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

std::string size_name(std::size_t bytes) {
  if (bytes % (std::size_t{1} << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  if (bytes % (std::size_t{1} << 10) == 0) return std::to_string(bytes >> 10) + " KiB";
  return std::to_string(bytes) + " bytes";
}

std::string read_small_file(const std::string& path, std::size_t max_bytes) {
  // O_NONBLOCK: opening a FIFO for reading must not wait for a writer.
  const Descriptor file(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (file.get() < 0) {
    const int error = errno;
    if (error == ENOENT) throw FileError(FileError::Kind::kMissing, "does not exist");
    throw FileError(FileError::Kind::kUnreadable,
                    std::string("cannot be opened: ") + std::generic_category().message(error));
  }
  struct stat info {};
  if (::fstat(file.get(), &info) != 0) {
    throw FileError(FileError::Kind::kUnreadable,
                    std::string("cannot be examined: ") + std::generic_category().message(errno));
  }
  if (S_ISDIR(info.st_mode)) throw FileError(FileError::Kind::kDirectory, "is a directory");
  if (!S_ISREG(info.st_mode)) {
    throw FileError(FileError::Kind::kNotRegular,
                    "is not a regular file (a device, FIFO or socket)");
  }
  const std::string too_large = "is larger than " + size_name(max_bytes);
  if (static_cast<std::size_t>(info.st_size) > max_bytes) {
    throw FileError(FileError::Kind::kTooLarge, too_large);
  }
  // The size may change while it is read: read at most one byte past the cap to notice.
  std::string content(max_bytes + 1, '\0');
  std::size_t have = 0;
  while (have < content.size()) {
    const ssize_t n = ::read(file.get(), content.data() + have, content.size() - have);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      throw FileError(FileError::Kind::kUnreadable,
                      std::string("cannot be read: ") + std::generic_category().message(errno));
    }
    if (n == 0) break;
    have += static_cast<std::size_t>(n);
  }
  if (have > max_bytes) throw FileError(FileError::Kind::kTooLarge, too_large);
  content.resize(have);
  return content;
}

}  // namespace ar::util
