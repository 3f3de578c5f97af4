#!/bin/sh
# Installs the Debian 12 packages myofeed needs, only those missing (apt-get update runs once, only if needed).
# usage: scripts/deps.sh [build|test]
set -eu
want="build-essential cmake pkg-config libevent-dev liblo-dev liblo-tools libserialport-dev libconfig-dev libedf-dev libsqlite3-dev libfftw3-dev libcairo2-dev libjansson-dev libpq-dev libsystemd-dev libncurses-dev libsdl2-dev libsdl2-ttf-dev fonts-dejavu-core"
if [ "${1:-build}" = test ]; then
  want="$want libcmocka-dev python3 python3-numpy python3-scipy clang libclang-rt-14-dev tmux puredata-core clang-format cppcheck g++ python3-mne python3-liblo postgresql systemd xvfb xauth chromium python3-pil supercollider-language godot3-server"
fi
missing=""
for p in $want; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
