#!/bin/sh
# Checks every C source and header of the project against .clang-format (clang-format 14, Debian 12).
# Fix a file with: clang-format -i FILE
# usage: scripts/check-format.sh [SOURCE_DIR]
set -eu
cd "${1:-$(dirname "$0")/..}"
command -v clang-format >/dev/null || { echo "FAIL: clang-format not found (scripts/deps.sh test installs it)"; exit 1; }
files=$(find daemon plugins clients tests bench -name '*.c' -o -name '*.h' -o -name '*.cpp' | grep -v '/corpus/' | sort)
bad=0 n=0
for f in $files; do
  n=$((n + 1))
  if ! clang-format --dry-run --Werror "$f" 2>/dev/null; then
    echo "not formatted: $f (clang-format -i $f)"
    bad=$((bad + 1))
  fi
done
echo "$((n - bad)) passed, $bad failed"
[ "$bad" -eq 0 ]
