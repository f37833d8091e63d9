#!/usr/bin/env bash
# Builds the project in its own directory with sanitizers and runs tests there. Any sanitizer
# report fails the run, even from a process whose exit code a test ignores.
#   tests/sanitize.sh asan   BUILD_DIR   unit and integration tests under ASan + UBSan (not the
#                                        deploy tests: they render manifests, and run the binary
#                                        only for --check-config, which unit and integration
#                                        tests cover; under ASan they cost 2 minutes of CI)
#   tests/sanitize.sh fuzz   BUILD_DIR   every libFuzzer target for FUZZ_SECONDS (default 15: a
#                                        smoke run in CI; `make fuzz` runs 300)
#   tests/sanitize.sh tsan   BUILD_DIR   unit tests and the concurrency-heavy integration tests
# asan and fuzz configure alike (clang, ASan + UBSan + libFuzzer's coverage hooks), so given the
# same BUILD_DIR the second finds everything built by the first.
set -euo pipefail
kind=$1
build=$2
source_dir=$(cd "$(dirname "$0")/.." && pwd)
jobs=$(nproc)

# Each entry of `runs` is one ctest selection.
asan_fuzz=(-DAR_SANITIZE=address,undefined -DAR_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++)
case $kind in
  asan) flags=("${asan_fuzz[@]}"); runs=("-L unit|integration") ;;
  fuzz) flags=("${asan_fuzz[@]}"); runs=("-L fuzz") ;;
  tsan) flags=(-DAR_SANITIZE=thread -DCMAKE_CXX_COMPILER=clang++); runs=("-L unit" "-R integration\.(delivery|shutdown|recording|hardening|operations|replicas|ledger_truth)$") ;;
  *) echo "usage: $0 asan|fuzz|tsan BUILD_DIR" >&2; exit 2 ;;
esac

# -O1 and line tables only: what the sanitizers' reports need (a stack of file:line), and about
# a third less to compile than -O2 -g, twice per CI run.
cmake -S "$source_dir" -B "$build" -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_FLAGS_DEBUG="-O1 -gline-tables-only -DNDEBUG" \
  -DFUZZ_SECONDS="${FUZZ_SECONDS:-15}" "${flags[@]}" >/dev/null
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
