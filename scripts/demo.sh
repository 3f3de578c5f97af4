#!/bin/sh
# Builds myofeed and runs the daemon on its embedded default (the synthetic patient doing hamstring
# curls and glute bridges) with the therapist's monitor (myofeed-monitor; q or Ctrl-C stops both). Without a
# terminal (output piped) it prints the plain live view (myofeed-watch) instead.
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh build
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
mkdir -p build/log
./build/bin/myofeedd "$@" 2>build/log/myofeedd.log &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; echo "daemon log: build/log/myofeedd.log"' EXIT INT TERM
sleep 0.3
if ! kill -0 $pid 2>/dev/null; then cat build/log/myofeedd.log; exit 2; fi
if [ -t 0 ] && [ -t 1 ]; then
  ./build/bin/myofeed-monitor
else
  ./build/bin/myofeed-watch
fi
