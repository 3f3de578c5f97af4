#!/bin/sh
# `cmake --install` puts the daemon, plugins, example configs, the SDK header and its pkg-config file in
# place; the installed daemon finds its plugins; a plugin builds out of tree against the installed SDK.
# usage: test_install.sh BUILD_DIR SOURCE_DIR
set -eu
build=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
p=$tmp/prefix
for f in bin/myofeedd bin/myofeed-watch lib/myofeed/plugins/butterworth.so lib/myofeed/plugins/notch.so \
         lib/myofeed/plugins/rms.so lib/myofeed/plugins/threshold.so etc/myofeed/myofeed.cfg \
         include/myofeed/plugin.h; do
  [ -e "$p/$f" ] || { echo "FAIL: $f was not installed"; exit 1; }
done
pc=$(find "$p" -name myofeed-plugin.pc | head -1)
[ -n "$pc" ] || { echo "FAIL: myofeed-plugin.pc was not installed"; exit 1; }
"$p/bin/myofeedd" -c "$p/etc/myofeed/myofeed.cfg" --check-config
# the .pc file's Version is the ABI the installed header declares
hdr="$p/include/myofeed/plugin.h"
abi="$(sed -n 's/^#define MF_ABI_MAJOR \([0-9]*\)$/\1/p' "$hdr").$(sed -n 's/^#define MF_ABI_MINOR \([0-9]*\)$/\1/p' "$hdr")"
pcv=$(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --modversion myofeed-plugin)
[ "$pcv" = "$abi" ] || { echo "FAIL: myofeed-plugin.pc says version $pcv, the header says ABI $abi"; exit 1; }
PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --atleast-version="$abi" myofeed-plugin \
  || { echo "FAIL: pkg-config --atleast-version=$abi myofeed-plugin"; exit 1; }
[ "$(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --variable=abi_major myofeed-plugin)" = "${abi%%.*}" ] \
  || { echo "FAIL: myofeed-plugin.pc abi_major"; exit 1; }
# an outside developer's plugin, built with nothing but the installed SDK
mkdir "$tmp/mine"
cflags=$(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --cflags myofeed-plugin)
# shellcheck disable=SC2086
cc -std=c11 -Wall -Wextra -Werror -O2 -fPIC -shared -fvisibility=hidden $cflags "$src/plugins/examples/gain.c" \
   -o "$tmp/mine/gain.so" -lm
chmod 0755 "$tmp/mine/gain.so"
sed -e 's|path = \[ "$ORIGIN/../lib/myofeed/plugins" \];|path = [ "$ORIGIN/../lib/myofeed/plugins", "'"$tmp/mine"'" ];|' \
    -e 's|filters  = ( { plugin = "butterworth"|filters  = ( { plugin = "gain"; gain_db = 6.0; }, { plugin = "butterworth"|' \
    "$p/etc/myofeed/myofeed.cfg" > "$tmp/mine.cfg"
grep -q '"gain"' "$tmp/mine.cfg" || { echo "FAIL: test config not rewritten"; exit 1; }
"$p/bin/myofeedd" -c "$tmp/mine.cfg" --check-config
"$p/bin/myofeedd" -c "$tmp/mine.cfg" --list-plugins | grep -q "^gain (filter 1.0.0, ABI $abi)" \
  || { echo "FAIL: the out-of-tree plugin is not listed"; exit 1; }
echo "install test passed"
