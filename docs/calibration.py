#!/usr/bin/env python3
"""The rest-calibration rule (daemon/pipeline/rest_check.c) on real recordings and generated signals: what the
daemon says of a rest calibration started at every window of each signal, by what the window holds according to
an independent reference (a knee goniometer, a load cell, the generator's own envelope), or a recording's
documented content. Prints the tables of docs/calibration.md; exits 1 when the rule accepts fewer than 95 % of
the rest windows or refuses fewer than 95 % of the contraction windows.

usage: docs/calibration.py [BUILD_DIR] [DATA_DIR]   (defaults: build, ../shared/data/emg)
Standard library only."""
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BUILD = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build"))
DATA = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "..", "shared", "data", "emg"))
TOOL = os.path.join(BUILD, "bin", "mf-rest-windows")
BASE = open(os.path.join(ROOT, "config", "myofeed.cfg")).read()

UCI_PIE = {"5Npie": [(0.749, 2.479), (3.510, 5.410), (6.493, 8.369), (9.359, 11.030), (12.119, 13.965)],
           "3Apie": [(2.902, 5.847), (8.467, 10.806), (13.410, 19.853)]}


def config(tmp, rate, scale):
    text = BASE.replace("sample_rate = 2000.0;", f"sample_rate = {rate:.1f}; scale = {scale:.1f};", 1)
    text = text.replace('path = [ "$ORIGIN/../lib/myofeed/plugins" ];',
                        f'path = [ "{os.path.join(BUILD, "lib", "myofeed", "plugins")}" ];', 1)
    path = os.path.join(tmp, f"c{int(rate)}_{int(scale)}.cfg")
    open(path, "w").write(text)
    return path


def windows(cfg, source, column, win, step, start):
    args = [TOOL, cfg, source] + ([str(column)] if column is not None else []) + [str(win), str(step), str(start)]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    rows = []
    for line in out.splitlines():
        t0, t1, ok, ratio, active, med = line.split()
        rows.append((float(t0), float(t1), int(ok), float(ratio), float(active), float(med)))
    return rows


def overlaps(t0, t1, epochs, margin=0.0):
    return any(a - margin < t1 and b + margin > t0 for a, b in epochs)


def held(t0, t1, epochs, at_least):
    """The window holds at least `at_least` seconds of some contraction."""
    return any(min(b, t1) - max(a, t0) >= at_least for a, b in epochs)


def main():
    if not os.path.exists(TOOL):
        sys.exit(f"{TOOL} not found; build first (cmake --build {BUILD})")
    rows = []  # (signal, what the window holds, rows)
    with tempfile.TemporaryDirectory() as tmp:
        c1k_uv = config(tmp, 1000, 1000)  # UCI: mV
        c1k = config(tmp, 1000, 1)        # BioSPPy: ADC counts
        c2k = config(tmp, 2000, 1)        # elderly: uV; the synthetic patient
        # generated: the synthetic patient (hamstring curls 2-5 s and 6.5-9.5 s, glute bridge 11-16 s, every 20 s;
        # the hamstrings co-contract at a tenth in the bridge). Truth: its envelope, with the ramps' 75 ms halves.
        # Windows that only graze a contraction (less than 0.25 s of it) count as neither.
        truth = {1: ("hamstring_left", [(1.925, 5.075), (10.925, 16.075)]), 3: ("glute_left", [(10.925, 16.075)])}
        for ch, (name, epochs) in truth.items():
            ep = [(a + 20 * k, b + 20 * k) for k in range(4) for a, b in epochs]
            for win in (2, 5):
                w = windows(c2k, f"synthetic:80:{ch}", None, win, 0.5, 2)
                rows.append((f"synthetic {name}, {win} s", "rest", [r for r in w if not overlaps(r[0], r[1], ep, 0.3)]))
                rows.append((f"synthetic {name}, {win} s", "contraction", [r for r in w if held(r[0], r[1], ep, 0.25)]))
        # real: UCI standing knee flexion (knee goniometer > 30 degrees); every 2 s window there holds flexion
        for f, ep in UCI_PIE.items():
            for col, muscle in ((2, "biceps femoris"), (4, "semitendinosus")):
                w = windows(c1k_uv, os.path.join(DATA, "uci_lower_limb", f + ".txt"), col, 2, 0.5, 1)
                rows.append((f"UCI {f} {muscle}, 2 s", "contraction", [r for r in w if overlaps(r[0], r[1], ep)]))
        # real: elderly isometric knee flexion, force from 0.2-0.6 s on (load cell); the biceps femoris contracts
        for f in ("ID22_BF_test", "ID17_BF_test"):
            w = windows(c2k, os.path.join(DATA, "elderly_emg_dynamometry", f + ".csv"), "ch2_biceps_femoris", 2, 0.5, 2)
            rows.append((f"elderly {f} biceps femoris, 2 s", "contraction", w))
        # real: BioSPPy emg.txt is rest (SD 2 ADC counts) with weak activity at 35-57 s; emg_1.txt has bursts
        w = windows(c1k, os.path.join(DATA, "biosppy", "emg.txt"), 1, 5, 1, 2)
        rows.append(("BioSPPy emg.txt, 5 s", "rest", [r for r in w if r[1] <= 34]))
        w = windows(c1k, os.path.join(DATA, "biosppy", "emg.txt"), 1, 2, 0.5, 2)
        rows.append(("BioSPPy emg.txt, 2 s", "rest", [r for r in w if r[1] <= 34]))
    print("| signal, window | holds | windows | accepted | refused | 100 ms ratio: median / max | detector active: max share |")
    print("|---|---|---|---|---|---|---|")
    totals = {"rest": [0, 0], "contraction": [0, 0]}
    for name, holds, w in rows:
        if not w:
            continue
        acc = sum(r[2] for r in w)
        ratios = sorted(r[3] for r in w)
        share = max(r[4] / (r[1] - r[0]) for r in w)
        right = acc if holds == "rest" else len(w) - acc
        totals[holds][0] += right
        totals[holds][1] += len(w)
        print(f"| {name} | {holds} | {len(w)} | {acc} | {len(w) - acc} | {ratios[len(ratios) // 2]:.2f} / "
              f"{ratios[-1]:.2f} | {share:.2f} |")
    rest_ok = totals["rest"][0] / max(1, totals["rest"][1])
    con_ok = totals["contraction"][0] / max(1, totals["contraction"][1])
    print(f"\nrest windows accepted: {totals['rest'][0]} of {totals['rest'][1]} ({100 * rest_ok:.1f} %); "
          f"contraction windows refused: {totals['contraction'][0]} of {totals['contraction'][1]} ({100 * con_ok:.1f} %)")
    return 0 if rest_ok >= 0.95 and con_ok >= 0.95 else 1


if __name__ == "__main__":
    sys.exit(main())
