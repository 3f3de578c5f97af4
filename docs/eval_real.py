#!/usr/bin/env python3
"""Scores detector chains on the real recordings of ../shared/data/emg, against references taken from their
non-EMG channels (approximate: EMG leads movement and force by tens to hundreds of ms, so the tolerance
before a reference onset is wide). Every candidate of config/eval.cfg by default, or the muscles of any
configuration (--config, each muscle a candidate). Standard library only, except --rate (numpy + scipy: run
it with /usr/bin/python3), which resamples every recording to that rate first (what a 250 Hz amplifier
would have recorded).

usage: docs/eval_real.py [--config CFG] [--rate HZ] [BUILD_DIR] [DATA_DIR]   (defaults: build, ../shared/data/emg)
Prints one markdown table per recording.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
ARGS = argparse.ArgumentParser(description="score detector chains on the real recordings")
ARGS.add_argument("--config", default=os.path.join(ROOT, "config", "eval.cfg"), help="its muscles are the chains")
ARGS.add_argument("--rate", type=float, default=0, help="resample every recording to this rate (Hz) first")
ARGS.add_argument("build", nargs="?", default=os.path.join(ROOT, "build"))
ARGS.add_argument("data", nargs="?", default=os.path.join(ROOT, "..", "shared", "data", "emg"))
OPT = ARGS.parse_args()
BUILD = os.path.abspath(OPT.build)
DATA = os.path.abspath(OPT.data)
EVAL = os.path.join(BUILD, "bin", "myofeed-eval")


def epochs(values, fs, above, min_len_s=0.3):
    """(start_s, end_s) where values stay above `above` for at least min_len_s."""
    out, start = [], None
    for i, v in enumerate(values + [float("-inf")]):
        if v is not None and v > above and start is None:
            start = i
        elif (v is None or v <= above) and start is not None:
            if (i - start) / fs >= min_len_s:
                out.append((start / fs, i / fs))
            start = None
    return out


def uci(name):
    rows = [l.split("\t") for l in open(os.path.join(DATA, "uci_lower_limb", name)).read().splitlines()[7:]]
    knee = [float(r[4]) if len(r) > 4 and r[4].strip() else None for r in rows]
    return epochs(knee, 1000.0, 30.0)  # standing knee flexion beyond 30 degrees


def elderly(name, col):
    lines = open(os.path.join(DATA, "elderly_emg_dynamometry", name)).read().splitlines()
    head = lines[0].split(",")
    k = head.index(col)
    force = [float(l.split(",")[k]) for l in lines[1:]]
    fs = 2000.0
    n = int(0.05 * fs)
    smooth = [sum(force[max(0, i - n + 1):i + 1]) / min(i + 1, n) for i in range(len(force))]
    base = sorted(force[: int(0.05 * fs)])[int(0.025 * fs)]
    top = sorted(force)[int(0.99 * len(force))]
    on = next(i for i, v in enumerate(smooth) if v > base + 0.1 * (top - base))
    return [(on / fs, len(force) / fs)]  # one sustained contraction from the force onset to the end


def gait(muscle):
    lines = open(os.path.join(DATA, "musclesyneRgies", "ID0012_TW_01_gait_events.csv")).read().splitlines()[1:]
    td = [float(l.split(",")[-2]) for l in lines]
    stride = (td[-1] - td[0]) / (len(td) - 1)
    emg = open(os.path.join(DATA, "musclesyneRgies", "ID0012_TW_01_raw_emg.csv")).read().splitlines()
    end = float(emg[-1].split(",")[0])
    # The event list stops at the 6th touchdown, the recording does not: the treadmill's next stride (at the
    # mean stride time) is part of the reference where its burst lies inside the recording.
    while td[-1] + stride - 0.2 * stride < end:
        td.append(td[-1] + stride)
    if muscle == "glute":  # gluteus maximus/medius: early stance, 0-20 % of the stride
        windows = [(t - 0.02 * stride, t + 0.2 * stride) for t in td]
    else:
        windows = [(t - 0.2 * stride, t + 0.02 * stride) for t in td]  # hamstrings: terminal swing
    return [(a, min(b, end)) for a, b in windows if a < end]


CASES = [
    ("UCI 5Npie, biceps femoris (standing knee flexion, healthy)", "uci_lower_limb/5Npie.txt",
     "columns = [2]; scale = 1000.0; sample_rate = 1000.0;", lambda: uci("5Npie.txt")),
    ("UCI 5Npie, semitendinosus", "uci_lower_limb/5Npie.txt",
     "columns = [4]; scale = 1000.0; sample_rate = 1000.0;", lambda: uci("5Npie.txt")),
    ("UCI 3Apie, biceps femoris (knee pathology)", "uci_lower_limb/3Apie.txt",
     "columns = [2]; scale = 1000.0; sample_rate = 1000.0;", lambda: uci("3Apie.txt")),
    ("Elderly ID22, biceps femoris, isometric knee flexion (force onset)", "elderly_emg_dynamometry/ID22_BF_test.csv",
     'columns = ["ch2_biceps_femoris"]; sample_rate = 2000.0;', lambda: elderly("ID22_BF_test.csv", "force_BF_test")),
    ("Elderly ID17, biceps femoris, slow ramp (force onset)", "elderly_emg_dynamometry/ID17_BF_test.csv",
     'columns = ["ch2_biceps_femoris"]; sample_rate = 2000.0;', lambda: elderly("ID17_BF_test.csv", "force_BF_test")),
    ("Treadmill gait, gluteus maximus (early stance)", "musclesyneRgies/ID0012_TW_01_raw_emg.csv",
     'columns = ["MA"]; sample_rate = 1000.0;', lambda: gait("glute")),
    ("Treadmill gait, biceps femoris (terminal swing)", "musclesyneRgies/ID0012_TW_01_raw_emg.csv",
     'columns = ["BF"]; sample_rate = 1000.0;', lambda: gait("hamstring")),
]


def table(md):
    """myofeed-eval's markdown without the SNR column and the onset-error columns: the references here are
    movement and force, which EMG leads by a varying time, so only the signed delay says something."""
    out = []
    for line in md.splitlines():
        cells = line.split("|")[1:-1]
        if len(cells) == 10:
            del cells[7:9]
            del cells[1]
            line = "|" + "|".join(cells) + "|"
        out.append(line)
    return "\n".join(out) + "\n"


def resampled(rec, source, rate, tmp):
    """The recording's chosen column in uV, resampled to rate, as a one-column CSV; its source settings."""
    import numpy as np
    import scipy.signal as sg

    col = re.search(r"columns = \[([^\]]+)\]", source).group(1).strip()
    scale = float(re.search(r"scale = ([0-9.]+)", source).group(1)) if "scale" in source else 1.0
    fs = float(re.search(r"sample_rate = ([0-9.]+)", source).group(1))
    lines = open(os.path.join(DATA, rec)).read().splitlines()
    if col.startswith('"'):
        k = lines[0].split(",").index(col.strip('"'))
        x = [float(line.split(",")[k]) for line in lines[1:]]
    else:
        k = int(col) - 1
        rows = [line.split("\t") for line in lines if line[:1].isdigit() or line[:1] == "-"]
        x = [float(r[k]) if len(r) > k and r[k].strip() else 0.0 for r in rows]
    y = sg.resample_poly(np.array(x) * scale, int(rate), int(fs))
    path = os.path.join(tmp, "r.csv")
    with open(path, "w") as f:
        f.write("emg_uv\n" + "".join(f"{v:.5f}\n" for v in y))
    return path, 'columns = ["emg_uv"]; sample_rate = %g;' % rate


def main():
    text = open(OPT.config).read()
    muscles = re.sub(r"channel = [0-9]+", "channel = 1", text[text.index("\nmuscles = ("):])
    tmp = tempfile.mkdtemp()
    failed = 0
    for title, rec, source, truth in CASES:
        path = os.path.join(DATA, rec)
        if OPT.rate:
            path, source = resampled(rec, source, OPT.rate, tmp)
        cfg = 'source = { type = "synthetic"; channels = 1; %s };\n%s' % (source, muscles)
        cpath, tpath = os.path.join(tmp, "c.cfg"), os.path.join(tmp, "t.csv")
        open(cpath, "w").write(cfg + '\nplugins = { path = [ "%s/lib/myofeed/plugins" ]; };\n' % BUILD)
        t = truth()
        open(tpath, "w").write("".join(f"{a:.4f},{b:.4f}\n" for a, b in t))
        p = subprocess.run([EVAL, "-c", cpath, "--recording", path, "--truth", tpath,
                            "--tolerance", "500", "--markdown"], capture_output=True, text=True, check=False)
        print(f"\n**{title}**{' at %g Hz' % OPT.rate if OPT.rate else ''} ({len(t)} reference contractions; onset "
              f"delay measured from the reference, so negative = before the movement/force)\n")
        print(table(p.stdout))
        if p.returncode:
            print(p.stderr)
            failed += 1
    if failed:
        print(f"{failed} recording(s) could not be scored: see the messages above", file=sys.stderr)
    return 1 if failed else 0

if __name__ == "__main__":
    sys.exit(main())
