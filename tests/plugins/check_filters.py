#!/usr/bin/python3
"""Checks every built-in filter and envelope plugin against its scipy/numpy reference.

Runs the plugin through the public ABI (mf-run-plugin) on the same input and requires
max|plugin - reference| <= 1e-9 * max|reference| (relative to the output's peak).
usage: check_filters.py RUN_PLUGIN PLUGIN_DIR
"""
import os
import subprocess
import sys

import numpy as np
from scipy import signal

RUN, DIR = sys.argv[1], sys.argv[2]
FS = 2000.0
rng = np.random.default_rng(7)
n = 6000
x = rng.standard_normal(n) * 50.0 + 200.0 * np.sin(2 * np.pi * 0.3 * np.arange(n) / FS)
x += 15.0 * np.sin(2 * np.pi * 50.0 * np.arange(n) / FS)


def run(plugin, fs, *args, data=x):
    p = subprocess.run([RUN, os.path.join(DIR, plugin + ".so"), str(fs), *args], input=data.astype("<f8").tobytes(),
                       capture_output=True, check=False)
    if p.returncode != 0:
        raise RuntimeError(f"{plugin} {args}: {p.stderr.decode()}")
    return np.frombuffer(p.stdout, "<f8")


def notch_sos(f0, q, harmonics, fs):
    secs = []
    for h in range(1, harmonics + 1):
        if h * f0 >= fs / 2:
            break
        b, a = signal.iirnotch(h * f0, q, fs=fs)
        secs.append(np.concatenate([b, a]) / a[0])
    return np.array(secs)


def rms_ref(y, win):
    sq = np.concatenate([np.zeros(win - 1), y * y])
    c = np.cumsum(sq)
    s = c[win - 1:] - np.concatenate([[0.0], c[:-win]])
    # exact windowed sums (cumsum differences lose precision on long inputs)
    w = np.lib.stride_tricks.sliding_window_view(sq, win).sum(axis=-1)
    return np.sqrt(np.maximum(w, 0) / win)


cases = []
for order in range(1, 9):
    cases.append((f"butterworth lowpass order {order}", ("butterworth", FS, "type=lowpass", f"order={order}", "cutoff_hz=35"),
                  signal.butter(order, 35, "lowpass", fs=FS, output="sos")))
    cases.append((f"butterworth highpass order {order}", ("butterworth", FS, "type=highpass", f"order={order}", "cutoff_hz=20"),
                  signal.butter(order, 20, "highpass", fs=FS, output="sos")))
    cases.append((f"butterworth bandpass order {order}", ("butterworth", FS, "type=bandpass", f"order={order}", "low_hz=20", "high_hz=450"),
                  signal.butter(order, [20, 450], "bandpass", fs=FS, output="sos")))
    cases.append((f"butterworth bandstop order {order}", ("butterworth", FS, "type=bandstop", f"order={order}", "low_hz=45", "high_hz=55"),
                  signal.butter(order, [45, 55], "bandstop", fs=FS, output="sos")))
cases.append(("butterworth bandpass at 250 Hz (Cyton)", ("butterworth", 250.0, "type=bandpass", "order=4", "low_hz=20", "high_hz=100"),
              signal.butter(4, [20, 100], "bandpass", fs=250.0, output="sos")))
cases.append(("butterworth lowpass 6 Hz (linear envelope)", ("butterworth", FS, "type=lowpass", "order=2", "cutoff_hz=6"),
              signal.butter(2, 6, "lowpass", fs=FS, output="sos")))
cases.append(("notch 50 Hz q 30", ("notch", FS, "freq_hz=50", "q=30"), notch_sos(50, 30, 1, FS)))
cases.append(("notch 60 Hz q 20, 5 harmonics", ("notch", FS, "freq_hz=60", "q=20", "harmonics=5"), notch_sos(60, 20, 5, FS)))
cases.append(("notch 50 Hz, harmonics cut at Nyquist", ("notch", 250.0, "freq_hz=50", "harmonics=4"), notch_sos(50, 30, 4, 250.0)))

# poles close to z = 1 (low corners at a high rate) and a narrow notch: where rounding in the state matters
cases.append(("butterworth highpass 5 Hz order 8 at 16 kHz", ("butterworth", 16000.0, "type=highpass", "order=8", "cutoff_hz=5"),
              signal.butter(8, 5, "highpass", fs=16000.0, output="sos")))
cases.append(("butterworth bandpass 10-20 Hz order 8 at 16 kHz", ("butterworth", 16000.0, "type=bandpass", "order=8", "low_hz=10", "high_hz=20"),
              signal.butter(8, [10, 20], "bandpass", fs=16000.0, output="sos")))
cases.append(("notch 50 Hz q 100 at 16 kHz", ("notch", 16000.0, "freq_hz=50", "q=100"), notch_sos(50, 100, 1, 16000.0)))

failed = 0
worst = 0.0
for name, args, sos in cases:
    fs = args[1]
    # prime=false starts from zero state (scipy's default); prime=true (the default) starts in steady
    # state for the first sample (scipy: zi = sosfilt_zi(sos) * x[0])
    for prime, zi in (("false", None), ("true", signal.sosfilt_zi(sos) * x[0])):
        got = run(args[0], fs, *args[2:], f"prime={prime}")
        ref = signal.sosfilt(sos, x) if zi is None else signal.sosfilt(sos, x, zi=zi)[0]
        rel = np.max(np.abs(got - ref)) / np.max(np.abs(ref))
        worst = max(worst, rel)
        ok = rel <= 1e-9
        failed += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {name}, prime={prime}: max rel error {rel:.2e}")

# dc-block: lfilter([1, -1], [1, -R]) started in steady state for the first sample
for fc in (0.5, 5.0, 20.0):
    R = np.exp(-2 * np.pi * fc / FS)
    b, a = [1.0, -1.0], [1.0, -R]
    ref = signal.lfilter(b, a, x, zi=signal.lfilter_zi(b, a) * x[0])[0]
    got = run("dc-block", FS, f"cutoff_hz={fc}")
    rel = np.max(np.abs(got - ref)) / np.max(np.abs(ref))
    worst = max(worst, rel)
    ok = rel <= 1e-9
    failed += not ok
    print(f"{'ok  ' if ok else 'FAIL'} dc-block {fc} Hz: max rel error {rel:.2e}")

# linear-envelope: sosfilt(butter(order, fc, 'low'), |x|) from zero state, never below 0. A burst that stops
# dead makes order 4 undershoot; a cut-off near Nyquist makes any order ring below 0.
burst = np.where(np.arange(len(x)) % 4000 < 1500, 200.0 * x, 0.01 * x)
for order, fc, fs, sig in ((2, 6.0, FS, x), (4, 10.0, FS, x), (1, 3.0, FS, x), (1, 80.0, FS, x),
                           (4, 20.0, FS, burst), (1, 112.0, 250.0, x)):
    raw = signal.sosfilt(signal.butter(order, fc, "low", fs=fs, output="sos"), np.abs(sig))
    ref = np.maximum(raw, 0.0)
    got = run("linear-envelope", fs, f"cutoff_hz={fc}", f"order={order}", data=sig)
    rel = np.max(np.abs(got - ref)) / np.max(np.abs(ref))
    worst = max(worst, rel)
    ok = rel <= 1e-9 and np.min(got) >= 0.0
    failed += not ok
    print(f"{'ok  ' if ok else 'FAIL'} linear-envelope order {order} {fc} Hz at {fs:g} Hz: max rel error {rel:.2e}"
          f" ({np.sum(raw < 0)} samples of the plain low-pass below 0)")

# tkeo: psi[n] = x[n]^2 - x[n-1] x[n+1], delivered one sample late (causal); amplitude = sign*sqrt|psi|
psi = np.zeros_like(x)
psi[2:] = x[1:-1] ** 2 - x[:-2] * x[2:]
for units, ref in (("energy", psi), ("amplitude", np.sign(psi) * np.sqrt(np.abs(psi)))):
    got = run("tkeo", FS, f"units={units}")
    rel = np.max(np.abs(got - ref)) / np.max(np.abs(ref))
    worst = max(worst, rel)
    ok = rel <= 1e-9
    failed += not ok
    print(f"{'ok  ' if ok else 'FAIL'} tkeo {units}: max rel error {rel:.2e}")

# the default (primed) band-pass shows no start-up transient on a DC offset
dc = np.full(4000, 300.0)
got = run("butterworth", FS, "type=bandpass", "order=4", "low_hz=20", "high_hz=450", data=dc)
ok = np.max(np.abs(got)) < 1e-9
failed += not ok
print(f"{'ok  ' if ok else 'FAIL'} primed band-pass on a 300 uV DC offset: max |y| {np.max(np.abs(got)):.1e} uV")

# the default chain: band-pass + notch, then RMS 100 ms, against ref_chain's definition
for win_ms in (100.0, 50.0, 1.0):
    win = int(round(win_ms * FS / 1000))
    y = signal.sosfilt(signal.butter(4, [20, 450], "bandpass", fs=FS, output="sos"), x)  # RMS input
    got = run("rms", FS, f"window_ms={win_ms}", data=y)
    ref = rms_ref(y, win)
    rel = np.max(np.abs(got - ref)) / np.max(np.abs(ref))
    worst = max(worst, rel)
    ok = rel <= 1e-9
    failed += not ok
    print(f"{'ok  ' if ok else 'FAIL'} rms window {win_ms} ms: max rel error {rel:.2e}")

# a long RMS run must not drift (running sum re-summed once per window)
long = rng.standard_normal(400000) * 100.0 + 1e4
got = run("rms", FS, "window_ms=100", data=long)
ref = rms_ref(long, 200)
rel = np.max(np.abs(got - ref)) / np.max(np.abs(ref))
ok = rel <= 1e-9
failed += not ok
print(f"{'ok  ' if ok else 'FAIL'} rms over 200 s with a large offset: max rel error {rel:.2e}")

# the canonical chain of shared/reference/dsp/ref_chain.py (band-pass + notch, RMS 100 ms, hysteresis
# 15/8 uV): same input, same outputs, no activation flips
refdir = os.environ.get("MYOFEED_REF_DSP", "")
if refdir and os.path.exists(os.path.join(refdir, "ref_chain.py")):
    sys.path.insert(0, refdir)
    import ref_chain
    xin = ref_chain.synth(ref_chain.REF_SECONDS)
    out = ref_chain.reference(xin)
    for ch in range(xin.shape[1]):
        y = run("butterworth", FS, "type=bandpass", "order=4", "low_hz=20", "high_hz=450", "prime=false",
                data=xin[:, ch])
        y = run("notch", FS, "freq_hz=50", "q=30", "prime=false", data=y)
        e = run("rms", FS, "window_ms=100", data=y)
        a = run("threshold", FS, "on=15", "off=8", "min_on_ms=0", "min_off_ms=0", data=e)
        for label, got, ref in (("y", y, out[0][:, ch]), ("env_rms", e, out[1][:, ch])):
            rel = np.max(np.abs(got - ref)) / np.max(np.abs(ref))
            ok = rel <= 1e-9
            failed += not ok
            worst = max(worst, rel)
            if not ok or ch == 0:
                print(f"{'ok  ' if ok else 'FAIL'} ref_chain channel {ch} {label}: max rel error {rel:.2e}")
        # activation > 0 exactly where the reference hysteresis is on (act is 0 while inactive below off)
        p = subprocess.run([RUN, os.path.join(DIR, "threshold.so"), str(FS), "on=15", "off=8", "min_on_ms=0",
                            "min_off_ms=0"], input=e.astype("<f8").tobytes(), capture_output=True, check=True)
        state = np.zeros(len(e), bool)
        for line in p.stderr.decode().split("\n"):
            if line:
                kind, at, delay = line.split()
                state[int(at) - int(delay):] = kind == "on"
        flips = int(np.sum(state != out[3][:, ch].astype(bool)))
        ok = flips == 0
        failed += not ok
        if not ok or ch == 0:
            print(f"{'ok  ' if ok else 'FAIL'} ref_chain channel {ch} threshold 15/8 uV: {flips} activation flips")
else:
    print("FAIL ../shared/reference/dsp/ref_chain.py not found (set MYOFEED_REF_DSP)")
    failed += 1

print(f"worst relative error {worst:.2e}; {failed} failed")
sys.exit(1 if failed else 0)
