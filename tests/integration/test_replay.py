#!/usr/bin/env python3
"""Replay tests: `myofeedd --replay` on the real recordings in ../shared/data/emg (text, CSV with named columns,
EDF written here), identical events on every run, the same events live (daemon with a replay source, over OSC)
as offline, and clear errors for bad files and columns. Standard library only.

usage: test_replay.py MYOFEEDD SOURCE_DIR DATA_DIR
"""
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oscmini  # noqa: E402

DAEMON, SRC, DATA = (os.path.abspath(a) for a in sys.argv[1:4])

# A fixed-threshold chain: these recordings start inside or right before a contraction, where a
# detector that learns rest from a lead-in has nothing to learn from (see docs/detection.md).
CHAIN = """
    filters  = ( { plugin = "butterworth"; type = "bandpass"; order = 4; low_hz = 20.0; high_hz = 450.0; },
                 { plugin = "notch"; freq_hz = 50.0; q = 30.0; harmonics = 3; } );
    envelope = { plugin = "rms"; window_ms = 50.0; };
    detector = { plugin = "threshold"; on = 25.0; off = 12.0; min_on_ms = 30.0; min_off_ms = 250.0; };"""


def config(path, source, muscles, extra=""):
    body = ",\n".join(f'  {{ name = "{n}"; channel = {c};{CHAIN} }}' for n, c in muscles)
    with open(path, "w") as f:
        f.write(f"source = {{ {source} }};\n{extra}\nmuscles = (\n{body}\n);\n")
    return path


def replay(cfg, recording, *extra):
    p = subprocess.run([DAEMON, "-c", cfg, "--replay", recording, *extra], capture_output=True, timeout=60)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def events(csv_text):
    rows = [l.split(",") for l in csv_text.strip().splitlines()[1:]]
    return [(r[0], r[1], int(r[2]), int(r[3])) for r in rows]


def write_edf(path, signals, fs, labels):
    """A plain EDF file (16-bit) whose physical values equal its digital values (uV), one-second records."""
    ns, n = len(signals), len(signals[0])
    records = n // int(fs)
    hdr = b"0       " + b"X X X X".ljust(80) + b"Startdate 01-JAN-2020 X X X".ljust(80)
    hdr += b"01.01.20" + b"00.00.00" + str(256 * (ns + 1)).encode().ljust(8) + b"".ljust(44)
    hdr += str(records).encode().ljust(8) + b"1".ljust(8) + str(ns).encode().ljust(4)
    fields = [
        [l.encode().ljust(16) for l in labels], [b"AgAgCl electrode".ljust(80)] * ns, [b"uV".ljust(8)] * ns,
        [b"-32768".ljust(8)] * ns, [b"32767".ljust(8)] * ns, [b"-32768".ljust(8)] * ns, [b"32767".ljust(8)] * ns,
        [b"HP:0Hz".ljust(80)] * ns, [str(int(fs)).encode().ljust(8)] * ns, [b"".ljust(32)] * ns,
    ]
    for f in fields:
        hdr += b"".join(f)
    with open(path, "wb") as out:
        out.write(hdr)
        for r in range(records):
            for s in signals:
                chunk = s[r * int(fs):(r + 1) * int(fs)]
                out.write(struct.pack(f"<{len(chunk)}h", *chunk))


class TestReplay(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def test_uci_hamstring_recording_gives_the_same_events_every_time(self):
        cfg = config(os.path.join(self.tmp, "uci.cfg"), "columns = [2, 4]; scale = 1000.0; sample_rate = 1000.0;",
                     [("biceps_femoris", 1), ("semitendinosus", 2)])
        rec = os.path.join(DATA, "uci_lower_limb", "5Npie.txt")
        rc, out1, err = replay(cfg, rec)
        self.assertEqual(rc, 0, err)
        rc, out2, _ = replay(cfg, rec)
        self.assertEqual(out1, out2)
        self.assertTrue(out1.startswith("muscle,event,n,sample,t_s,decided_sample,decision_delay_ms,hold_s,peak_act"))
        ev = events(out1)
        # five standing knee flexions (knee > 30 deg at 0.75, 3.51, 6.49, 9.36, 12.12 s): the hamstrings
        # contract before each movement
        for name in ("biceps_femoris", "semitendinosus"):
            onsets = [e[3] / 1000.0 for e in ev if e[0] == name and e[1] == "onset"]
            for flex in (0.749, 3.510, 6.493, 9.359, 12.119):
                self.assertTrue(any(flex - 1.0 <= t <= flex + 0.3 for t in onsets), (name, flex, onsets))
            self.assertLessEqual(len(onsets), 7, onsets)
        self.assertIn("15261 frames x 2 channels", err)

    def test_csv_with_named_columns_and_a_force_onset(self):
        cfg = config(os.path.join(self.tmp, "el.cfg"), 'columns = ["ch2_biceps_femoris"];',
                     [("biceps_femoris", 1)], extra="")
        rc, out, err = replay(cfg, os.path.join(DATA, "elderly_emg_dynamometry", "ID22_BF_test.csv"))
        self.assertEqual(rc, 0, err)
        onsets = [e[3] for e in events(out) if e[1] == "onset"]
        # the force leaves its baseline at ~0.15 s (2000 Hz: source.sample_rate's default); biceps femoris
        # activity rises from ~8 uV to 20 uV at 0.05 s and 50-130 uV from 0.5 s
        self.assertTrue(onsets, out)
        self.assertTrue(100 <= onsets[0] <= 1500, onsets)

    def test_edf_replay_equals_the_same_samples_as_text(self):
        fs = 1000
        rows = [l.split("\t") for l in open(os.path.join(DATA, "uci_lower_limb", "5Npie.txt")).read().splitlines()[7:]]
        bf = [int(round(float(r[1]) * 1000)) for r in rows if len(r) > 3 and r[1].strip()]
        st = [int(round(float(r[3]) * 1000)) for r in rows if len(r) > 3 and r[3].strip()]
        n = (min(len(bf), len(st)) // fs) * fs
        edf = os.path.join(self.tmp, "5Npie.edf")
        write_edf(edf, [bf[:n], st[:n]], fs, ["BF", "ST"])
        txt = os.path.join(self.tmp, "5Npie.csv")
        with open(txt, "w") as f:
            f.write("BF,ST\n" + "".join(f"{a},{b}\n" for a, b in zip(bf[:n], st[:n])))
        cfg_edf = config(os.path.join(self.tmp, "edf.cfg"), 'columns = ["BF", "ST"];', [("bf", 1), ("st", 2)])
        cfg_txt = config(os.path.join(self.tmp, "txt.cfg"), 'columns = ["BF", "ST"]; sample_rate = 1000.0;',
                         [("bf", 1), ("st", 2)])
        rc, out_edf, err = replay(cfg_edf, edf)
        self.assertEqual(rc, 0, err)
        self.assertIn("at 1000 Hz", err)  # the rate came from the EDF header
        rc, out_txt, err = replay(cfg_txt, txt)
        self.assertEqual(rc, 0, err)
        self.assertEqual(out_edf, out_txt)
        self.assertGreaterEqual(len(events(out_edf)), 10)

    def test_live_and_replay_give_identical_events(self):
        c = oscmini.Client()  # a static destination: it hears everything from the first sample on
        cfg = config(os.path.join(self.tmp, "live.cfg"),
                     'type = "replay"; file = "%s"; columns = [2, 4]; scale = 1000.0; sample_rate = 1000.0; '
                     'speed = 5.0;' % os.path.join(DATA, "uci_lower_limb", "5Npie.txt"),
                     [("biceps_femoris", 1), ("semitendinosus", 2)],
                     extra='osc = { destinations = ( { host = "127.0.0.1"; port = %d; profile = "frame"; } ); };'
                     % c.port)
        rc, out, err = replay(cfg, os.path.join(DATA, "uci_lower_limb", "5Npie.txt"))
        self.assertEqual(rc, 0, err)
        offline = sorted((e[0], e[1], e[2], e[3]) for e in events(out) if e[1] in ("onset", "offset"))
        port = oscmini.free_port()
        errf = tempfile.TemporaryFile()
        store = tempfile.mkdtemp(prefix="myofeed-store-")
        self.addCleanup(shutil.rmtree, store, True)
        d = subprocess.Popen([DAEMON, "-c", cfg, "-o", f"osc.control=127.0.0.1:{port}", "-o", f"session.dir={store}"],
                             stderr=errf)
        try:
            msgs = []
            end = time.monotonic() + 8
            while time.monotonic() < end:
                msgs += c.recv_all(0.5)
                if any(m[1] == "/emg/sys/heartbeat" and m[3][2] == "idle" for m in msgs):
                    break
        finally:
            d.send_signal(signal.SIGTERM)
            d.wait(10)
            c.close()
        self.assertEqual(d.returncode, 0)
        live = []
        for m in msgs:
            parts = m[1].split("/")
            if len(parts) == 4 and parts[3] in ("onset", "offset"):
                live.append((parts[2], parts[3], m[3][0], m[3][1]))
        # offline rows carry samples; live ones t_ms (1 kHz: the same numbers)
        self.assertEqual(sorted(live), offline)
        self.assertTrue(any(m[1] == "/emg/sys/heartbeat" and m[3][2] == "idle" for m in msgs))
        errf.seek(0)
        self.assertIn("end of recording", errf.read().decode())

    def test_bad_files_and_columns_are_clear_errors(self):
        cfg = config(os.path.join(self.tmp, "c.cfg"), 'columns = ["nope"];', [("m", 1)])
        rc, _, err = replay(cfg, os.path.join(DATA, "elderly_emg_dynamometry", "ID22_BF_test.csv"))
        self.assertEqual(rc, 1)
        self.assertIn("no column named 'nope'; the header has: time_s ch1_vastus_lateralis", err)
        rc, _, err = replay(cfg, os.path.join(self.tmp, "missing.txt"))
        self.assertEqual(rc, 1)
        self.assertIn("missing.txt: cannot open the recording: No such file or directory", err)
        bad = os.path.join(self.tmp, "bad.edf")
        open(bad, "wb").write(b"0       garbage")
        rc, _, err = replay(cfg, bad)
        self.assertEqual(rc, 1)
        self.assertIn("not a readable EDF/BDF file", err)
        cfg2 = config(os.path.join(self.tmp, "c2.cfg"), "columns = [2];", [("m", 2)])
        rc, _, err = replay(cfg2, os.path.join(DATA, "biosppy", "emg.txt"))
        self.assertEqual(rc, 1)
        self.assertIn("muscle 'm' uses channel 2 but the source delivers 1 channels", err)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
