#pragma once
// Bytes of a connection's answers the kernel still holds: written, not yet taken by the client.
// A client that pipelines requests and never reads would otherwise have every answer rendered
// into its socket's send buffer, which Linux grows to megabytes: CPU and kernel memory for
// nothing (1 100 such clients once cost 55 000 renders of /metrics).
#include <linux/sockios.h>
#include <sys/ioctl.h>

#include <cstddef>

namespace ar::server {

// At most this much of one connection's answers waits in the kernel before the connection
// serves its next pipelined request.
inline constexpr std::size_t kMaxUnsentBytes = std::size_t{64} * 1024;

// 0 when it cannot be told.
inline std::size_t unsent_bytes(int fd) {
  int queued = 0;
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-vararg): ioctl is the only way to ask
  if (::ioctl(fd, SIOCOUTQ, &queued) != 0 || queued < 0) return 0;
  return static_cast<std::size_t>(queued);
}

}  // namespace ar::server
