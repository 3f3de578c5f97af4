#!/usr/bin/python3
"""How fast can a power CUSUM decide on myofeed-eval's generated signals when nothing is estimated?

Makes signals the way clients/eval/scenario.c does in its clean condition (5 uV rest floor of 10-500 Hz
noise, contractions of 20-350 Hz noise SNR dB above it, raised-cosine ramps of 30-300 ms, truth onset at 10 %
of the plateau), and runs the ideal version of the cusum plugin on them: the rest power is known exactly
(no lead-in, no tracking), the band is the contractions' own (20-350 Hz), and the power is averaged over
5 ms. Scored like score.c (decision time - true onset; detections matching nothing per minute of rest).

A detector that must learn the rest level and also face mains hum and drift cannot beat these numbers; they
show how much room is left above the cusum plugin (docs/detection.md, "How close to the limit").

usage: /usr/bin/python3 docs/p90_limit.py [SEEDS]      (numpy + scipy; about 1 s per seed)
"""
import sys

import numpy as np
import scipy.signal as sg

FS = 2000.0


def colored(rng, lo, hi, n):
    sos = sg.butter(2, [lo, hi], "bandpass", fs=FS, output="sos")
    y = sg.sosfilt(sos, rng.standard_normal(n + 2000))[2000:]
    return y / np.sqrt(np.mean(y * y))


def make(rng, seconds, snr_db):
    """One clean trial: the signal and its true contractions (onset, end) in samples."""
    n = int(seconds * FS)
    emg, floor = colored(rng, 20, 350, n), colored(rng, 10, 500, n)
    amp, t, truths = np.zeros(n), 2.0, []
    while True:
        ramp, hold = 0.03 + 0.27 * rng.uniform(), 0.3 + 3.7 * rng.uniform()
        end = t + 2 * ramp + hold
        if end + 1 > seconds:
            break
        i0, i1, r = int(t * FS), int(end * FS), int(ramp * FS)
        i = np.arange(i0, i1)
        a = np.where(i - i0 < r, 0.5 - 0.5 * np.cos(np.pi * (i - i0) / r),
                     np.where(i1 - i < r, 0.5 - 0.5 * np.cos(np.pi * (i1 - i) / r), 1.0))
        amp[i0:i1] = a
        truths.append((i0 + int(np.argmax(a >= 0.1)), i1 - int(np.argmax(a[::-1] >= 0.1))))
        t = end + 1 + 4 * rng.uniform()
    return 5 * floor + 5 * 10 ** (snr_db / 20) * amp * emg, truths


def power(x):
    """Band-passed to the contractions' band, squared, averaged over 5 ms."""
    y = sg.sosfilt(sg.butter(2, [20, 350], "bandpass", fs=FS, output="sos"), x)
    w = int(0.005 * FS)
    return sg.lfilter(np.ones(w) / w, 1, y * y)


def decisions(z, on, h):
    """Page's CUSUM as the cusum plugin runs it (on = off, h in ratio x ms), onset decisions in samples."""
    dt, s, d, active, out = 1000 / FS, 0.0, 0.0, False, []
    for i, v in enumerate(z.tolist()):
        if not active:
            s = max(0.0, s + (v - on) * dt)
            if s > h:
                active, d = True, 0.0
                out.append(i)
        else:
            d = max(0.0, d + (on - v) * dt)
            if d > h:
                active, s = False, 0.0
    return out


def score(dec, truths, n, tol_s=0.1):
    used, delays, fa = set(), [], 0
    for d in dec:
        hit = next((k for k, (a, b) in enumerate(truths) if k not in used and a - tol_s * FS <= d < b), None)
        if hit is None:
            fa += 1
            continue
        used.add(hit)
        delays.append((d - truths[hit][0]) * 1000 / FS)
    return delays, fa, (n - sum(b - a for a, b in truths)) / FS / 60


def main():
    seeds = int(sys.argv[1]) if len(sys.argv) > 1 else 6
    rng = np.random.default_rng(7)
    trials = [make(rng, 120, snr) for _ in range(seeds) for snr in (6, 10, 20, 30)]
    rest = np.mean(power(5 * colored(rng, 10, 500, int(300 * FS)))[1000:])
    zs = [power(x) / rest for x, _ in trials]
    print(f"ideal power CUSUM, clean condition, SNR 6/10/20/30 dB, {seeds} x 120 s each")
    print("| on x h | F1 | onset delay median ms | p90 ms | false activations / min rest |\n|---|---|---|---|---|")
    for on, h in ((1.4, 35), (1.4, 40), (1.5, 35), (1.5, 40), (1.5, 50)):
        delays, fa, rest_min, truths = [], 0, 0.0, 0
        for z, (x, tr) in zip(zs, trials):
            d, f, r = score(decisions(z, on, h), tr, len(x))
            delays += d
            fa += f
            rest_min += r
            truths += len(tr)
        prec, rec = len(delays) / max(1, len(delays) + fa), len(delays) / truths
        print(f"| {on} x {h} | {2 * prec * rec / (prec + rec):.3f} | {np.median(delays):.0f} | "
              f"{np.percentile(delays, 90):.0f} | {fa / rest_min:.2f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
