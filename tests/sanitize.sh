#!/usr/bin/env bash
# Builds the project in its own directory with sanitizers (or as fuzz targets) and runs tests
# there. Any sanitizer report fails the run, even from a process whose exit code a test ignores.
#   tests/sanitize.sh asan   BUILD_DIR   unit and integration tests under ASan + UBSan
#   tests/sanitize.sh tsan   BUILD_DIR   unit tests and the concurrency-heavy integration tests
#   tests/sanitize.sh fuzz   BUILD_DIR   every libFuzzer target for FUZZ_SECONDS (default 30)
set -euo pipefail
kind=$1
build=$2
source_dir=$(cd "$(dirname "$0")/.." && pwd)
jobs=$(nproc)

# Each entry of `runs` is one ctest selection.
case $kind in
  asan) flags=(-DAR_SANITIZE=address,undefined); runs=("-LE lint") ;;
  tsan) flags=(-DAR_SANITIZE=thread -DCMAKE_CXX_COMPILER=clang++); runs=("-L unit" "-R integration\.(delivery|shutdown|recording|hardening|operations|replicas)$") ;;
  fuzz) flags=(-DAR_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ -DFUZZ_SECONDS="${FUZZ_SECONDS:-30}"); runs=("-L fuzz") ;;
  *) echo "usage: $0 asan|tsan|fuzz BUILD_DIR" >&2; exit 2 ;;
esac

cmake -S "$source_dir" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo "${flags[@]}" >/dev/null
cmake --build "$build" -j "$jobs"

logs="$build/sanitizer-logs"
rm -rf "$logs" && mkdir -p "$logs"
export ASAN_OPTIONS="log_path=$logs/asan:detect_leaks=1:strict_string_checks=1"
export UBSAN_OPTIONS="log_path=$logs/ubsan:print_stacktrace=1:halt_on_error=1"
export TSAN_OPTIONS="log_path=$logs/tsan:second_deadlock_stack=1"
status=0
for run in "${runs[@]}"; do
  # shellcheck disable=SC2086 # each run is a list of ctest arguments
  (cd "$build" && ctest --output-on-failure -j "$jobs" $run) || status=$?
done
if compgen -G "$logs/*" >/dev/null; then
  echo "sanitizer reports:" >&2
  cat "$logs"/* >&2
  status=1
fi
exit $status
