#!/bin/sh
# Builds myofeed and runs a whole therapy session on the daemon's embedded default (the synthetic patient): a
# rest calibration ("relax"), an MVC calibration ("push as hard as you can"), then a protocol (glute_bridge by
# default) whose cues the patient follows, recorded, with a report at the end. It is shown in the therapist's
# monitor (myofeed-monitor; q or Ctrl-C stops both); without a terminal (output piped) in the plain live view
# (myofeed-watch).
#   MYOFEED_DEMO_PROTOCOL=NAME  another shipped protocol; "none": no calibration or protocol, the patient's own
#                               cycle of curls and bridges
#   MYOFEED_DEMO_SECONDS=S      the plain live view stops after S seconds
#   MYOFEED_BUILD_DIR=DIR       use this tree, already built (its bin/), instead of building build/
# Arguments go to myofeedd (-o osc.control=HOST:PORT moves the daemon, and the monitor follows it).
set -eu
cd "$(dirname "$0")/.."
build=${MYOFEED_BUILD_DIR:-}
if [ -z "$build" ]; then
  build=build
  scripts/deps.sh build
  if [ -f build/CMakeCache.txt ]; then # keep the tree's settings (a test build stays one)
    cmake -S . -B build >/dev/null
  else
    cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF >/dev/null
  fi
  cmake --build build -j"$(nproc)" >/dev/null
fi
# the control address the daemon was given (-o osc.control=HOST:PORT or -oosc.control=...) is where clients look
control=127.0.0.1:17700
prev=
for a in "$@"; do
  if [ "$prev" = -o ]; then
    case "$a" in osc.control=*) control=${a#osc.control=} ;; esac
  fi
  case "$a" in -oosc.control=*) control=${a#-oosc.control=} ;; esac
  prev=$a
done
host=${control%:*}
port=${control##*:}
protocol=${MYOFEED_DEMO_PROTOCOL:-glute_bridge}
sessions=$build/demo-sessions
log=$build/log/myofeedd.log
mkdir -p "$build/log"
if [ "$protocol" = none ]; then
  "$build/bin/myofeedd" "$@" 2>"$log" &
else
  # the patient works at 45 % of a curl (its MVC), inside the protocols' bands
  "$build/bin/myofeedd" -o session.dir="$sessions" -o session.patient=demo -o session.record=true \
    -o source.effort_pct=45 "$@" 2>"$log" &
fi
pid=$!
driver=
finish() {
  set +e # everything below runs, whatever fails
  if [ -n "$driver" ]; then kill "$driver" 2>/dev/null; fi
  kill $pid 2>/dev/null
  wait $pid 2>/dev/null
  echo "daemon log: $log"
  if [ "$protocol" != none ]; then
    report=$(ls -t "$sessions"/demo/*/report.html 2>/dev/null | head -n 1)
    if [ -n "$report" ]; then echo "this session's report: $report"; fi
  fi
}
trap finish EXIT
trap 'exit 130' INT TERM
sleep 0.3
if ! kill -0 $pid 2>/dev/null; then cat "$log"; exit 2; fi
if [ "$protocol" != none ]; then
  # what a therapist would do in the monitor (g, then 1-5), sent as OSC from loopback (an admin source)
  (
    ctl() { oscsend "$host" "$port" "$@" 2>/dev/null || true; }
    sleep 1
    ctl /emg/ctl/calibrate/rest sf all 3.0
    sleep 4
    ctl /emg/ctl/calibrate/mvc sf all 3.0
    sleep 4
    ctl /emg/ctl/protocol/start s "$protocol"
  ) &
  driver=$!
fi
if [ -t 0 ] && [ -t 1 ]; then
  "$build/bin/myofeed-monitor" -c "$control"
else
  "$build/bin/myofeed-watch" -c "$control" ${MYOFEED_DEMO_SECONDS:+-t "$MYOFEED_DEMO_SECONDS"}
fi
