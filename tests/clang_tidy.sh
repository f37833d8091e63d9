#!/usr/bin/env bash
# clang-tidy over every source file of src/ with the repository's .clang-tidy. The builds compile
# in unity batches (CMakeLists.txt), whose compilation database names the batches, not the
# files: this configures (without building) a database of single files in TIDY_DIR, with the
# same build type, and runs run-clang-tidy on it.
#   tests/clang_tidy.sh TIDY_DIR [BUILD_TYPE]   (make lint, and ctest's lint.clang_tidy)
#   tests/clang_tidy.sh TIDY_DIR BUILD_TYPE FILE...   only these files
set -euo pipefail
tidy_dir=$1
build_type=${2:-Release}
shift $(($# < 2 ? $# : 2))
source_dir=$(cd "$(dirname "$0")/.." && pwd)
cmake -S "$source_dir" -B "$tidy_dir" -DCMAKE_BUILD_TYPE="$build_type" -DBUILD_TESTING=OFF \
  -DAR_UNITY_BUILD=OFF >/dev/null
if [ $# -gt 0 ]; then
  exec clang-tidy -p "$tidy_dir" --quiet "$@"
fi
exec run-clang-tidy -quiet -p "$tidy_dir" "$source_dir/src/.*\\.cpp"
