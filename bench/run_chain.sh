#!/bin/sh
# The default chain in ns per channel-sample: myofeed (C plugins through the ABI) beside a chain of the same
# kind in scipy (../shared/reference/dsp/ref_chain.py, block 2000: 4th-order band-pass, notch, rectified
# low-pass envelope, hysteresis; fewer sections than ours but the same stages), measured in one run here.
# usage: bench/run_chain.sh [BUILD_DIR]   (default: build)
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
ref=${MYOFEED_REF_DSP:-../shared/reference/dsp}
[ -x "$build/bin/bench_chain" ] || { echo "build first: cmake --build $build"; exit 1; }
out=$("$build/bin/bench_chain" -s 60 -r 7)
echo "$out"
for b in 1 16 2000; do "$build/bin/bench_chain" -s 20 -r 5 -b $b | sed 's/^/  /'; done
echo "every example configuration (its own chain, rate and channels, on the synthetic patient):"
for cfg in config/*.cfg; do "$build/bin/bench_chain" -c "$cfg" -s 20 -r 5 | sed 's/^/  /'; done
"$build/bin/bench_filters" -s 20 -r 7
"$build/bin/bench_replay" -m 60
ours=$(echo "$out" | sed -n 's/.*: \([0-9.]*\) ns per channel-sample.*/\1/p')
/usr/bin/python3 - "$ref" "$ours" <<'PY'
import sys, time
import numpy as np
sys.path.insert(0, sys.argv[1])
import ref_chain as rc
ours = float(sys.argv[2])
x = rc.synth(30.0)
times = []
for rep in range(4):
    ch = rc.StreamChain(x.shape[1], np.float64, "lp")
    t0 = time.perf_counter()
    for i in range(0, x.shape[0], 2000):
        ch.process(x[i:i + 2000])
    times.append((time.perf_counter() - t0) / x.size * 1e9)
s = sorted(times)[1:][len(times) // 2 - 1]
print(f"scipy ref_chain (sosfilt band-pass + notch, |y| low-pass, hysteresis, 8 ch, block 2000): {s:.2f} ns per channel-sample "
      f"(median of {len(times) - 1} after warm-up)")
print(f"ratio scipy / myofeed: {s / ours:.1f}x   (goal: myofeed <= 6 ns per channel-sample: "
      f"{'met' if ours <= 6 else 'NOT met'})")
PY
