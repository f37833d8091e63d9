#!/usr/bin/env bash
# The folders of src/ form layers: each may include only the folders listed for it here (the
# README's "Find your way around" draws the same picture). A new dependency either fits the
# layering or changes this table, in review, on purpose; a cycle between folders cannot pass.
set -euo pipefail
src="${1:-$(dirname "$0")/../src}"

declare -A allowed=(
  [model]=""
  [util]=""
  [telemetry]="model util"
  [recording]="model util"
  [livekit]="model recording util"
  [coordination]="model telemetry util"
  [ledger]="model util"
  [report]="ledger model util"
  [recorder]="coordination ledger livekit model recording telemetry util"
  [server]="ledger livekit model recorder report telemetry util"
  [config]="coordination ledger livekit model recorder recording telemetry util"
  [app]="config coordination ledger livekit model recorder recording server telemetry util"
)

status=0
for dir in "$src"/*/; do
  folder=$(basename "$dir")
  if [[ -z ${allowed[$folder]+set} ]]; then
    echo "src/$folder/ is not in tests/layers.sh: add it to the table, with what it may include"
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
# The table itself must have no cycle, or the check above would let one through.
declare -A state=()
visit() {
  local folder=$1 used
  [[ ${state[$folder]:-} == done ]] && return 0
  if [[ ${state[$folder]:-} == visiting ]]; then
    echo "tests/layers.sh: the table has a cycle through $folder"
    return 1
  fi
  state[$folder]=visiting
  for used in ${allowed[$folder]}; do visit "$used" || return 1; done
  state[$folder]=done
}
for folder in "${!allowed[@]}"; do visit "$folder" || status=1; done
[[ $status == 0 ]] && echo "layers: every include in src/ follows the table"
exit $status
