#!/usr/bin/env bash
# No source file of src/ is over 400 lines (issue 23): a file that long holds more than one
# concern, and is split by concern into files of the same folder. The function-size half of the
# rule is clang-tidy's readability-function-size (.clang-tidy).
#   tests/file_sizes.sh [SRC_DIR]   (ctest's lint.file_sizes)
set -euo pipefail
src="${1:-$(dirname "$0")/../src}"
src=${src%/}
[[ -d $src ]] || { echo "$src is not a folder"; exit 1; }
limit=400
# One wc for every file; its last line is the total, which the file names' pattern skips.
find "$src" -type f \( -name '*.cpp' -o -name '*.hpp' \) -exec wc -l {} + | sort -k2 |
  awk -v limit="$limit" -v src="$src/" '
    $2 ~ /\.[ch]pp$/ && $1 > limit {
      print "src/" substr($2, length(src) + 1) ": " $1 " lines, over " limit \
        ": split it by concern into files of its folder"
      over = 1
    }
    END {
      if (!over) print "file sizes: no file in src/ is over " limit " lines"
      exit over
    }'
