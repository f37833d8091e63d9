#!/usr/bin/env bash
# clang-tidy over every source file of src/ with the repository's .clang-tidy.
#   tests/clang_tidy.sh TIDY_DIR [BUILD_TYPE]          (make lint, and ctest's lint.clang_tidy)
#   tests/clang_tidy.sh TIDY_DIR BUILD_TYPE FILE...    only these files, one at a time
# All of src/ is checked in the unity build's batches (CMakeLists.txt), pasted into one file each
# (tests/clang_tidy_batches.py): Boost's headers are parsed and matched a dozen times instead of
# 87. The static analyzer (clang-analyzer-*) runs in its shallow mode, which inlines less across
# calls. Together: 117 s instead of 301 s (per file, shallow) or 476 s (per file, deep).
set -euo pipefail
tidy_dir=$1
build_type=${2:-Release}
shift $(($# < 2 ? $# : 2))
source_dir=$(cd "$(dirname "$0")/.." && pwd)
shallow=(-extra-arg=-Xclang -extra-arg=-analyzer-config -extra-arg=-Xclang
  -extra-arg=mode=shallow)
if [ $# -gt 0 ]; then
  cmake -S "$source_dir" -B "$tidy_dir/files" -DCMAKE_BUILD_TYPE="$build_type" \
    -DBUILD_TESTING=OFF -DAR_UNITY_BUILD=OFF >/dev/null
  exec clang-tidy -p "$tidy_dir/files" --quiet "${shallow[@]}" "$@"
fi
cmake -S "$source_dir" -B "$tidy_dir/unity" -DCMAKE_BUILD_TYPE="$build_type" -DBUILD_TESTING=OFF \
  >/dev/null
batches=$source_dir/tests/clang_tidy_batches.py
python3 "$batches" write "$tidy_dir/unity" "$tidy_dir/batched"
# The batches are outside the source tree, where clang-tidy looks for its configuration.
cp "$source_dir/.clang-tidy" "$tidy_dir/batched/.clang-tidy"
run-clang-tidy -quiet -p "$tidy_dir/batched" "${shallow[@]}" 2>&1 |
  python3 "$batches" name "$tidy_dir/batched"
