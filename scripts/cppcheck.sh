#!/bin/sh
# Static analysis of every C file the build compiles (its compile_commands.json), with the project's suppressions
# (.cppcheck-suppressions, each with its reason). Prints the findings and "N passed, N failed"; exits 1 on any.
# usage: scripts/cppcheck.sh BUILD_DIR [SOURCE_DIR]
set -eu
build=$1 src=${2:-$(dirname "$0")/..}
command -v cppcheck >/dev/null || { echo "FAIL: cppcheck not found (scripts/deps.sh test installs it)"; exit 1; }
[ -f "$build/compile_commands.json" ] || { echo "FAIL: $build/compile_commands.json missing (configure with cmake)"; exit 1; }
out=$build/cppcheck.txt
cppcheck --project="$build/compile_commands.json" --enable=warning,performance,portability --inline-suppr \
  --suppressions-list="$src/.cppcheck-suppressions" -i "$build" -q -j2 --error-exitcode=0 2>"$out" || true
n=$(grep -c '^[^ ].*: \(error\|warning\|portability\|performance\|style\): ' "$out" || true)
files=$(grep -c '"file"' "$build/compile_commands.json" || true)
cat "$out"
echo "cppcheck: $files files, $n finding(s)"
echo "$((n == 0)) passed, $((n != 0)) failed"
[ "$n" -eq 0 ]
