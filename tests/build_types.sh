#!/usr/bin/env bash
# Builds the service in the other build type CMakeLists.txt accepts, Debug, besides the Release
# build `make test` runs (and the image ships) and the sanitizer builds: warnings are errors in
# both, and GCC warns differently at each optimisation level. (RelWithDebInfo and MinSizeRel are
# refused at configure time: compiling them here cost 2.5 minutes of every CI run.)
#   tests/build_types.sh BUILD_DIR_PREFIX   builds BUILD_DIR_PREFIX-debug
set -euo pipefail
prefix=$1
source_dir=$(cd "$(dirname "$0")/.." && pwd)
for type in Debug; do
  build="$prefix-${type,,}"
  echo "== $type ($build)"
  cmake -S "$source_dir" -B "$build" -DCMAKE_BUILD_TYPE="$type" -DBUILD_TESTING=OFF >/dev/null
  cmake --build "$build" -j "$(nproc)" --target auto-recorder
  "$build/auto-recorder" --version
done
