#pragma once
// Environment variables that look like the recorder's settings but are none: S3_ENDPIONT,
// S3_FORCE_PATHSTYLE. A YAML typo is an error; a variable cannot be, since the environment also
// carries what Kubernetes and the image put there, so these are warnings (errors with
// --check-config --strict), each with the nearest real variable when there is one.
#include <string>
#include <utility>
#include <vector>

namespace ar::config {

using Environment = std::vector<std::pair<std::string, std::string>>;  // name, value

// One message per variable under a prefix of the recorder's own (LIVEKIT_, S3_, REDIS_, ...)
// that no setting reads. Kubernetes' service links (REDIS_PORT=tcp://..., *_SERVICE_HOST) and
// GOOGLE_APPLICATION_CREDENTIALS are not settings typos and are left alone.
std::vector<std::string> unknown_variables(const Environment& environment);

// The process's environment.
Environment process_environment_entries();

}  // namespace ar::config
