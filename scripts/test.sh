#!/bin/sh
# Builds myofeed and runs every test twice: a normal build, then the whole suite again under
# AddressSanitizer + UndefinedBehaviorSanitizer. Prints CTest's summary for each; exits non-zero on failure.
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh test
jobs=$(nproc)
status=0
run() { # dir, label, cmake args...
  dir=$1; label=$2; shift 2
  echo "== $label: configure and build ($dir)"
  cmake -S . -B "$dir" "$@" >/dev/null
  cmake --build "$dir" -j"$jobs" 2>&1 | grep -E "error|warning|Error" || true
  cmake --build "$dir" -j"$jobs" >/dev/null
  echo "== $label: tests"
  (cd "$dir" && ctest -j"$jobs" --output-on-failure --timeout 600) || status=1
}
run build "normal build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=ON
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run build-asan "ASan+UBSan build" -DCMAKE_BUILD_TYPE=Debug -DMYOFEED_SANITIZE=ON -DBUILD_TESTING=ON
exit $status
