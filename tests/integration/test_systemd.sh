#!/bin/sh
# The installed service unit: systemd-analyze verify accepts it, and its security exposure (systemd-analyze security,
# offline) is printed and must stay "OK" (at most 2.0 of 10). usage: test_systemd.sh BUILD_DIR
set -eu
build=$1
if ! command -v systemd-analyze >/dev/null 2>&1; then
  echo "test_systemd: SKIPPED: systemd-analyze is not installed (Debian package systemd; scripts/deps.sh test)" >&2
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# verify needs the program it starts to exist: the built one stands in for the installed one
bin=$(sed -n 's/^ExecStart=\([^ ]*\) .*/\1/p' "$build/myofeedd.service")
sed "s|$bin|$build/bin/myofeedd|" "$build/myofeedd.service" > "$tmp/myofeedd.service"
systemd-analyze verify "$tmp/myofeedd.service"
grep -q '^Type=notify' "$tmp/myofeedd.service"
grep -q '^WatchdogSec=' "$tmp/myofeedd.service"
score=$(systemd-analyze security --offline=yes "$tmp/myofeedd.service" 2>/dev/null | sed -n 's/.*Overall exposure level for myofeedd.service: \([0-9.]*\).*/\1/p')
echo "systemd-analyze security: exposure $score of 10"
awk -v s="$score" 'BEGIN { exit !(s != "" && s <= 2.0) }'
echo "systemd unit: OK"
