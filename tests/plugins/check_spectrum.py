#!/usr/bin/python3
"""The daemon's median and mean power frequency (daemon/pipeline/spectrum.c, FFTW3) against numpy/scipy's Welch
estimate (scipy.signal.welch: Hann, half overlap, constant detrend, one-sided) on known signals: sines (the
median sits on the tone), band-limited noise, the same noise low-passed (a tiring muscle: the median falls), at
250, 1000 and 2000 Hz. usage: check_spectrum.py MF_SPECTRUM"""
import subprocess
import sys

import numpy as np
from scipy import signal

TOOL = sys.argv[1]


def ours(x, fs):
    out = subprocess.run([TOOL, str(fs)], input=np.asarray(x, dtype="<f8").tobytes(), capture_output=True, check=True)
    mdf, mnf, segs, n = out.stdout.split()
    return float(mdf), float(mnf), int(segs), int(n)


def reference(x, fs, n):
    f, p = signal.welch(x, fs=fs, window="hann", nperseg=n, noverlap=n // 2, detrend="constant")
    mnf = float(np.sum(f * p) / np.sum(p))
    cum, half, df = np.cumsum(p), np.sum(p) / 2, fs / n
    k = int(np.searchsorted(cum, half))  # first bin where the cumulative power reaches half
    before = cum[k - 1] if k > 0 else 0.0
    mdf = max(0.0, (k - 0.5 + (half - before) / p[k]) * df)
    return mdf, mnf, (len(x) - n) // (n // 2) + 1


def main():
    rng = np.random.default_rng(7)
    fails = checks = 0
    for fs in (250.0, 1000.0, 2000.0):
        t = np.arange(int(6 * fs)) / fs
        noise = rng.standard_normal(t.size)
        band = signal.sosfilt(signal.butter(4, [20, min(0.45 * fs, 450)], "bandpass", fs=fs, output="sos"), noise)
        tired = signal.sosfilt(signal.butter(4, min(0.2 * fs, 120), "lowpass", fs=fs, output="sos"), band)
        cases = {"sine 80 Hz": np.sin(2 * np.pi * 80 * t) + 0.01 * noise, "band-limited noise": band,
                 "low-passed noise": tired, "short (1.3 s)": band[: int(1.3 * fs)]}
        mdf_fresh = None
        for name, x in cases.items():
            mdf, mnf, segs, n = ours(x, fs)
            rmdf, rmnf, rsegs = reference(x, fs, n)
            checks += 1
            ok = segs == rsegs and abs(mdf - rmdf) <= 1e-6 * max(1, rmdf) and abs(mnf - rmnf) <= 1e-6 * max(1, rmnf)
            if name.startswith("sine"):
                ok = ok and abs(mdf - 80) < fs / n  # the median sits on the tone, within a bin
            if name == "band-limited noise":
                mdf_fresh = mdf
            if name == "low-passed noise":
                ok = ok and mdf < mdf_fresh  # the fatigue direction
            fails += not ok
            print(f"{'ok  ' if ok else 'FAIL'} {fs:6.0f} Hz {name:20s} median {mdf:8.3f} (scipy {rmdf:8.3f})  mean "
                  f"{mnf:8.3f} (scipy {rmnf:8.3f})  segments {segs} ({rsegs}), {n}-point")
    print(f"{checks - fails} passed, {fails} failed")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
