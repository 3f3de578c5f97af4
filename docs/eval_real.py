#!/usr/bin/env python3
"""Scores every candidate chain of config/eval.cfg on the real recordings of ../shared/data/emg, against
references taken from their non-EMG channels (approximate: EMG leads movement and force by tens to hundreds
of ms, so the tolerance before a reference onset is wide). Standard library only.

usage: docs/eval_real.py [BUILD_DIR] [DATA_DIR]      (defaults: build, ../shared/data/emg)
Prints one markdown table per recording.
"""
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BUILD = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build"))
DATA = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "..", "shared", "data", "emg"))
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
    if muscle == "glute":  # gluteus maximus/medius: early stance, 0-20 % of the stride
        return [(t - 0.02 * stride, t + 0.2 * stride) for t in td]
    return [(t - 0.2 * stride, t + 0.02 * stride) for t in td]  # hamstrings: terminal swing


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


def main():
    base = open(os.path.join(ROOT, "config", "eval.cfg")).read()
    tmp = tempfile.mkdtemp()
    for title, rec, source, truth in CASES:
        cfg = re.sub(r"(?m)^source = \{.*\};$", "source = { type = \"synthetic\"; channels = 1; %s };" % source, base)
        cfg = cfg.replace('"$ORIGIN', '"$ORIGIN')
        cpath, tpath = os.path.join(tmp, "c.cfg"), os.path.join(tmp, "t.csv")
        open(cpath, "w").write(cfg + '\nplugins = { path = [ "%s/lib/myofeed/plugins" ]; };\n' % BUILD)
        t = truth()
        open(tpath, "w").write("".join(f"{a:.4f},{b:.4f}\n" for a, b in t))
        p = subprocess.run([EVAL, "-c", cpath, "--recording", os.path.join(DATA, rec), "--truth", tpath,
                            "--tolerance", "500", "--markdown"], capture_output=True, text=True, check=False)
        print(f"\n**{title}** ({len(t)} reference contractions; onset delay measured from the reference, so "
              f"negative = before the movement/force)\n")
        print(table(p.stdout))
        if p.returncode:
            print(p.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
