#!/usr/bin/env bash
# The folders of src/ form layers: each may include only the folders src/layers.txt lists for it
# (the README's "Find your way around" draws the same picture), each of them on a line above its
# own, so folders cannot depend on each other in a circle. The build links each folder's library
# to the same folders (src/CMakeLists.txt); this checks the #includes, which a call through a
# header alone (an inline function, a type) would not show to the linker.
set -euo pipefail
src="${1:-$(dirname "$0")/../src}"

declare -A allowed=()
lines=0
while IFS= read -r line; do
  lines=$((lines + 1))
  line=${line%%#*}
  [[ $line =~ ^([a-z_]+):(.*)$ ]] || continue
  folder=${BASH_REMATCH[1]}
  read -ra uses <<<"${BASH_REMATCH[2]}"
  for used in "${uses[@]}"; do
    if [[ -z ${allowed[$used]+set} ]]; then
      echo "src/layers.txt:$lines: $folder uses $used, which is not on a line above it"
      exit 1
    fi
  done
  allowed[$folder]="${uses[*]}"
done <"$src/layers.txt"

status=0
for dir in "$src"/*/; do
  folder=$(basename "$dir")
  if [[ -z ${allowed[$folder]+set} ]]; then
    echo "src/$folder/ is not in src/layers.txt: add it to the table, with what it may include"
    status=1
    continue
  fi
  while IFS=: read -r file line include; do
    used=${include#*\"}
    used=${used%%/*}
    [[ $used == "$folder" ]] && continue
    if [[ " ${allowed[$folder]} " != *" $used "* ]]; then
      echo "${file#"$src"/}:$line includes $used/, which src/$folder/ may not use" \
        "(allowed: ${allowed[$folder]:-nothing})"
      status=1
    fi
  done < <(grep -nHE '^#include "[a-z_]+/' "$dir"*.?pp | sed -E 's/^([^:]+):([0-9]+):/\1:\2:/')
done
[[ $status == 0 ]] && echo "layers: every include in src/ follows src/layers.txt"
exit $status
