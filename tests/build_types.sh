#!/usr/bin/env bash
# Builds the service in each build type a developer or packager may pick, besides the Release
# build `make test` runs (and the image ships) and the sanitizer builds: warnings are errors in
# every one of them, and GCC warns differently at each optimisation level.
#   tests/build_types.sh BUILD_DIR_PREFIX   builds BUILD_DIR_PREFIX-debug, -relwithdebinfo
set -euo pipefail
prefix=$1
source_dir=$(cd "$(dirname "$0")/.." && pwd)
for type in Debug RelWithDebInfo; do
  build="$prefix-${type,,}"
  echo "== $type ($build)"
  cmake -S "$source_dir" -B "$build" -DCMAKE_BUILD_TYPE="$type" -DBUILD_TESTING=OFF >/dev/null
  cmake --build "$build" -j "$(nproc)" --target auto-recorder
  "$build/auto-recorder" --version
done
