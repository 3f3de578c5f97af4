#!/usr/bin/env python3
"""Session records against the real daemon: BDF+ read back by MNE (samples equal to the source's within one
24-bit step, annotations, header), SIGKILL mid-session, a full disk, a reload, the history over several sessions
(myofeed-sessions, readers while the daemon writes), the report (myofeed-report), bad arguments to every session
message. Loopback only, every wait bounded.

usage: test_records.py MYOFEEDD BIN_DIR SOURCE_DIR DATA_DIR   (run with Debian's python3: it needs MNE and numpy)
"""
import glob
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import daemonproc  # noqa: E402
import oscmini  # noqa: E402

import numpy as np  # noqa: E402

try:
    import mne  # noqa: E402
except ImportError:  # the test command installs python3-mne; say so rather than pass
    print("test_records: MNE (python3-mne) is missing; run scripts/deps.sh test", file=sys.stderr)
    sys.exit(1)

DAEMON, BIN, SRC, DATA = (os.path.abspath(a) for a in sys.argv[1:5])
DEFAULT_CFG = os.path.join(SRC, "config", "myofeed.cfg")
MUSCLES = ["hamstring_left", "hamstring_right", "glute_left", "glute_right"]
STEP_UV = 2 * 262144.0 / (2 ** 24 - 1)  # one 24-bit step of the recording's range


def Daemon(*extra, cfg=DEFAULT_CFG, **kw):
    return daemonproc.Daemon(DAEMON, *extra, cfg=cfg, **kw)


def ctl(d, c, path, *args, types=None, want="ok", seconds=2.0):
    """Sends a control message and returns the reply's args (asserting ok or the error code wanted)."""
    c.send(d.port, path, *args, types=types)
    msgs = c.recv_all(seconds, stop=lambda m: m[1] in ("/emg/sys/ok", "/emg/sys/error") and m[3][0] == path)
    ctl.seen = msgs  # what came with the reply (a state change is sent before it)
    got = [m for m in msgs if m[1] in ("/emg/sys/ok", "/emg/sys/error") and m[3][0] == path]
    assert got, f"no reply to {path}"
    if want == "ok":
        assert got[-1][1] == "/emg/sys/ok", got[-1]
    else:
        assert got[-1][1] == "/emg/sys/error" and got[-1][3][1] == want, got[-1]
    return got[-1][3]


def sessions_of(store, patient="default"):
    return sorted(glob.glob(os.path.join(store, patient, "*")))


def wait_file(path, seconds=10.0):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if os.path.exists(path):
            return True
        time.sleep(0.05)
    return False


def read_bdf(path):
    return mne.io.read_raw_bdf(path, preload=True, verbose="error")


def tool(name, *args, check=True):
    p = subprocess.run([os.path.join(BIN, name), *args], capture_output=True, timeout=60)
    if check:
        assert p.returncode == 0, (name, args, p.returncode, p.stderr.decode())
    return p.returncode, p.stdout.decode(), p.stderr.decode()


class TestRecording(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="myofeed-records-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.store = os.path.join(self.tmp, "store")

    def test_samples_annotations_and_header_read_back_in_mne(self):
        """A replayed recording (its samples known) is recorded: MNE reads the same samples back within one step."""
        rec = os.path.join(DATA, "uci_lower_limb", "5Npie.txt")
        d = Daemon(store=self.store, cfg=self.replay_cfg(rec))
        c = oscmini.Client()
        try:
            c.send(d.port, "/emg/ctl/subscribe", "frame")  # 50 datagrams/s: the replies are never crowded out
            c.recv_all(0.3)
            ctl(d, c, "/emg/ctl/session/start", "week 3 curls")
            (folder,) = sessions_of(self.store)
            sid = os.path.basename(folder)
            self.assertIn([1, sid], [m[3] for m in ctl.seen if m[1] == "/emg/session/state"])
            c.recv_all(1.0)
            ctl(d, c, "/emg/ctl/session/marker", "knee pain")
            c.recv_all(1.5)
            ctl(d, c, "/emg/ctl/session/stop")
            self.assertIn([0, ""], [m[3] for m in ctl.seen if m[1] == "/emg/session/state"])
            folder = os.path.join(self.store, "default", sid)
            self.assertTrue(wait_file(os.path.join(folder, "report.html")), d.stderr())
        finally:
            self.assertEqual(d.stop(), 0)
            c.close()
        self.assertEqual(os.stat(folder).st_mode & 0o777, 0o700)
        for f in ("recording.bdf", "summary.json", "report.html", "events.tsv", "biceps_femoris.png"):
            self.assertEqual(os.stat(os.path.join(folder, f)).st_mode & 0o777, 0o600, f)
        raw = read_bdf(os.path.join(folder, "recording.bdf"))
        self.assertEqual(raw.info["sfreq"], 1000.0)
        self.assertEqual(raw.ch_names, ["biceps_femoris", "semitendinosus", "E:biceps_femoris", "E:semitendinosus"])
        self.assertTrue(2000 <= raw.n_times <= 4000, raw.n_times)
        # the samples: find where the recording starts in the source, then compare every one
        src = np.loadtxt(rec, skiprows=7, usecols=(1, 3)) * 1000.0  # columns 2 and 4, mV -> uV
        got = raw.get_data()[:2] * 1e6
        n = raw.n_times - 500  # the last record may be padded
        first = got[0, :50]
        starts = [i for i in range(len(src) - 50) if np.max(np.abs(src[i:i + 50, 0] - first)) <= STEP_UV]
        self.assertEqual(len(starts), 1, starts[:5])
        s0 = starts[0]
        for ch in (0, 1):
            self.assertLessEqual(np.max(np.abs(got[ch, :n] - src[s0:s0 + n, ch])), STEP_UV * 0.5 + 1e-6)
        # the envelope is there and positive during the recording
        self.assertGreater(np.median(raw.get_data()[2, :n]), 0)
        desc = list(raw.annotations.description)
        self.assertIn("marker: knee pain", desc)
        onset = raw.annotations.onset[desc.index("marker: knee pain")]
        self.assertTrue(0.7 < onset < 1.6, onset)
        # patient and label in the header
        with open(os.path.join(folder, "recording.bdf"), "rb") as f:
            hdr = f.read(256)
        self.assertTrue(hdr[8:88].decode().startswith("default "), hdr[8:88])
        self.assertIn("week 3 curls", hdr[88:168].decode())
        # the summary
        with open(os.path.join(folder, "summary.json")) as f:
            s = json.load(f)
        self.assertEqual((s["schema"], s["id"], s["patient"], s["label"], s["state"]), (1, sid, "default",
                                                                                       "week 3 curls", "done"))
        self.assertEqual([m["name"] for m in s["muscles"]], ["biceps_femoris", "semitendinosus"])
        self.assertEqual(s["quality"]["markers"], 1)
        self.assertAlmostEqual(s["duration_s"], raw.n_times / 1000.0, places=3)
        html = open(os.path.join(folder, "report.html")).read()
        self.assertIn("data:image/png;base64,", html)  # the plots are inside: the page stands alone
        self.assertIn("biceps_femoris", html)
        # myofeed-report renders it again
        os.unlink(os.path.join(folder, "report.html"))
        tool("myofeed-report", folder)
        self.assertTrue(os.path.exists(os.path.join(folder, "report.html")))
        rc, _, err = tool("myofeed-report", os.path.join(self.tmp, "nope"), check=False)
        self.assertEqual(rc, 2)
        self.assertIn("summary.json", err)

    def replay_cfg(self, rec):
        path = os.path.join(self.tmp, "uci.cfg")
        chain = """
    filters  = ( { plugin = "butterworth"; type = "bandpass"; order = 4; low_hz = 20.0; high_hz = 450.0; } );
    envelope = { plugin = "rms"; window_ms = 50.0; };
    detector = { plugin = "threshold"; on = 25.0; off = 12.0; min_on_ms = 30.0; min_off_ms = 250.0; };"""
        with open(path, "w") as f:
            f.write(f'source = {{ type = "replay"; file = "{rec}"; columns = [2, 4]; scale = 1000.0; '
                    f'sample_rate = 1000.0; speed = 1.0; }};\n'
                    f'muscles = ( {{ name = "biceps_femoris"; channel = 1;{chain} }},\n'
                    f'  {{ name = "semitendinosus"; channel = 2;{chain} }} );\n')
        return path

    def test_sigkill_mid_session_leaves_a_valid_file_and_an_interrupted_session(self):
        d = Daemon(store=self.store)
        c = oscmini.Client()
        try:
            ctl(d, c, "/emg/ctl/session/start")
            t0 = time.monotonic()
            time.sleep(0.6)
            ctl(d, c, "/emg/ctl/session/marker", "before the crash")
            time.sleep(2.6)
            elapsed = time.monotonic() - t0
            d.proc.send_signal(signal.SIGKILL)
            d.proc.wait(5)
        finally:
            c.close()
        (folder,) = sessions_of(self.store)
        raw = read_bdf(os.path.join(folder, "recording.bdf"))
        self.assertEqual(len(raw.ch_names), 8)
        # at most the last second is missing
        self.assertGreaterEqual(raw.n_times, (elapsed - 1.0) * 2000, (raw.n_times, elapsed))
        self.assertLessEqual(raw.n_times, (elapsed + 0.2) * 2000)
        self.assertIn("before the crash", " ".join(raw.annotations.description))
        with open(os.path.join(folder, "events.tsv")) as f:
            lines = f.read().splitlines()
        self.assertTrue(all(len(l.split("\t")) == 3 for l in lines), lines)  # whole lines only
        # the next start marks it interrupted; the history says so
        d2 = Daemon(store=self.store)
        time.sleep(0.3)
        d2.stop()
        self.assertIn("marked interrupted", d2.stderr())
        _, out, _ = tool("myofeed-sessions", "-d", self.store, "list")
        self.assertIn("interrupted", out)

    def test_sigterm_mid_session_finishes_the_record(self):
        d = Daemon(store=self.store)
        c = oscmini.Client()
        try:
            ctl(d, c, "/emg/ctl/session/start", "until sigterm")
            t0 = time.monotonic()
            time.sleep(2.0)
            elapsed = time.monotonic() - t0
        finally:
            self.assertEqual(d.stop(), 0)
            c.close()
        (folder,) = sessions_of(self.store)
        for f in ("summary.json", "report.html", "hamstring_left.png"):
            self.assertTrue(os.path.exists(os.path.join(folder, f)), f)
        raw = read_bdf(os.path.join(folder, "recording.bdf"))
        self.assertGreaterEqual(raw.n_times, elapsed * 2000 - 100)  # nothing lost: all of it, to the stop
        s = json.load(open(os.path.join(folder, "summary.json")))
        self.assertEqual(s["state"], "done")
        _, out, _ = tool("myofeed-sessions", "-d", self.store, "list")
        self.assertIn(" done ", out)

    def test_a_full_disk_is_an_error_and_the_stream_goes_on(self):
        small = os.path.join(self.tmp, "small")
        os.mkdir(small)
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=400k", "tmpfs", small],
                                 capture_output=True).returncode == 0
        if mounted:
            self.addCleanup(subprocess.run, ["umount", "-l", small])
            preexec = None
        else:  # not root: a size limit on the daemon's files does the same (EFBIG instead of ENOSPC)
            def preexec():
                signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
                resource.setrlimit(resource.RLIMIT_FSIZE, (400 * 1024, 400 * 1024))
            print("test_records: not root, so no tmpfs: limiting the daemon's file size instead", file=sys.stderr)
        port = oscmini.free_port()
        err = tempfile.TemporaryFile()
        p = subprocess.Popen([DAEMON, "-c", DEFAULT_CFG, "-o", f"osc.control=127.0.0.1:{port}",
                              "-o", f"session.dir={small}"], stderr=err, preexec_fn=preexec)
        c = oscmini.Client()
        try:
            time.sleep(0.5)
            c.send(port, "/emg/ctl/subscribe", "frame")
            c.send(port, "/emg/ctl/session/start", "fills the disk")
            msgs = c.recv_all(15, stop=lambda m: m[1] == "/emg/sys/error" and m[3][1] == "record_failed")
            fails = [m for m in msgs if m[1] == "/emg/sys/error" and m[3][1] == "record_failed"]
            self.assertTrue(fails, [m[1] for m in msgs][-10:])
            self.assertTrue("full" in fails[0][3][2] or "cannot write" in fails[0][3][2], fails[0][3])
            after = c.recv_all(1.0)
            self.assertGreater(len([m for m in after if m[1] == "/emg/frame/act"]), 30)  # the stream goes on
            states = [m[3] for m in msgs + after if m[1] == "/emg/session/state"]
            self.assertEqual(states[-1], [0, ""])
        finally:
            p.send_signal(signal.SIGTERM)
            p.wait(10)
            c.close()
        err.seek(0)
        log = err.read().decode()
        self.assertEqual(p.returncode, 0, log)
        self.assertIn("session record stopped", log)

    def test_an_unusable_session_folder_is_a_clear_error(self):
        blocker = os.path.join(self.tmp, "a-file")
        open(blocker, "w").close()
        d = Daemon(store=os.path.join(blocker, "store"))
        c = oscmini.Client()
        try:
            reply = ctl(d, c, "/emg/ctl/session/start", want="store_error")
            self.assertIn(blocker, reply[2])
            self.assertIn("session.dir", reply[2])
            c.send(d.port, "/emg/ctl/subscribe", "frame")
            self.assertTrue(c.recv_all(0.5))  # streaming as before
        finally:
            d.stop()
            c.close()

    def test_reload_during_a_session_fills_the_gap_and_goes_on(self):
        d = Daemon(store=self.store)
        c = oscmini.Client()
        try:
            ctl(d, c, "/emg/ctl/session/start")
            t0 = time.monotonic()
            time.sleep(1.2)
            d.proc.send_signal(signal.SIGHUP)
            time.sleep(1.5)
            ctl(d, c, "/emg/ctl/session/stop")
            elapsed = time.monotonic() - t0
            (folder,) = sessions_of(self.store)
            self.assertTrue(wait_file(os.path.join(folder, "report.html")))
        finally:
            d.stop()
            c.close()
        raw = read_bdf(os.path.join(folder, "recording.bdf"))
        desc = " | ".join(raw.annotations.description)
        self.assertIn("reload (SIGHUP)", desc)
        self.assertIn("signal back", desc)
        # the time axis stays true: the file is as long as the session was
        self.assertLess(abs(raw.n_times / 2000.0 - elapsed), 0.7, (raw.n_times, elapsed))
        s = json.load(open(os.path.join(folder, "summary.json")))
        self.assertEqual(s["quality"]["reloads"], 1)

    def test_session_messages_with_bad_arguments(self):
        d = Daemon(store=self.store)
        c = oscmini.Client()
        try:
            ctl(d, c, "/emg/ctl/session/stop", want="not_running")
            ctl(d, c, "/emg/ctl/session/marker", "x", want="not_running")
            ctl(d, c, "/emg/ctl/session/start", 3, want="bad_arguments")
            ctl(d, c, "/emg/ctl/session/start", "x" * 61, want="bad_arguments")
            ctl(d, c, "/emg/ctl/session/start", "tab\there", want="bad_arguments")
            ctl(d, c, "/emg/ctl/session/start", "a", "b", want="bad_arguments")
            ctl(d, c, "/emg/ctl/session/stop", "now", want="bad_arguments")
            self.assertEqual(sessions_of(self.store), [])
            ctl(d, c, "/emg/ctl/session/start", "ok")
            ctl(d, c, "/emg/ctl/session/start", "again", want="busy")
            ctl(d, c, "/emg/ctl/session/marker", want="bad_arguments")
            ctl(d, c, "/emg/ctl/session/marker", "", want="bad_arguments")
            ctl(d, c, "/emg/ctl/session/marker", "m" * 41, want="bad_arguments")
            ctl(d, c, "/emg/ctl/session/marker", 7, want="bad_arguments")
            ctl(d, c, "/emg/ctl/session/marker", "fine")
            ctl(d, c, "/emg/ctl/session/stop")
        finally:
            d.stop()
            c.close()
        self.assertEqual(len(sessions_of(self.store)), 1)


class TestHistory(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="myofeed-history-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.store = os.path.join(self.tmp, "store")

    def test_sessions_of_several_patients_with_protocols(self):
        """Protocols recorded with session.record in fast mode; list, show, trend, export; readers while writing."""
        d = Daemon("-o", "source.speed=0", "-o", "session.record=true", store=self.store)
        c = oscmini.Client()
        try:
            for patient, n in (("P-1", 2), ("P-2", 1)):
                ctl(d, c, "/emg/ctl/patient", patient)
                for _ in range(n):
                    c.send(d.port, "/emg/ctl/subscribe", "frame")
                    ctl(d, c, "/emg/ctl/protocol/start", "hamstring_curl")
                    c.recv_all(60, stop=lambda m: m[1] == "/emg/session/state" and m[3][0] == 0)
                    # a reader while the daemon writes: the finishing runs now
                    rc, out, err = tool("myofeed-sessions", "-d", self.store, "list", check=False)
                    self.assertEqual(rc, 0, err)
            end = time.monotonic() + 20
            while time.monotonic() < end and len(glob.glob(os.path.join(self.store, "*", "*", "report.html"))) < 3:
                time.sleep(0.1)
        finally:
            d.stop()
            c.close()
        _, out, _ = tool("myofeed-sessions", "-d", self.store, "list")
        rows = out.strip().splitlines()[1:]
        self.assertEqual(len(rows), 3, out)
        self.assertTrue(all(" done " in r and "hamstring_curl" in r for r in rows), out)
        _, out, _ = tool("myofeed-sessions", "-d", self.store, "list", "P-1")
        self.assertEqual(len(out.strip().splitlines()) - 1, 2)
        _, out, _ = tool("myofeed-sessions", "-d", self.store, "show", "1")
        self.assertIn("patient   P-1", out)
        self.assertIn("hamstring_left", out)
        reps = [l for l in out.splitlines() if l.startswith("hamstring_left")]
        self.assertGreater(int(reps[0].split()[1]), 0, out)  # the synthetic patient made reps
        png = os.path.join(self.tmp, "trend.png")
        _, out, _ = tool("myofeed-sessions", "-d", self.store, "trend", "P-1", "--muscle", "hamstring_left",
                         "--plot", png)
        self.assertEqual(len(out.strip().splitlines()), 3)
        with open(png, "rb") as f:
            self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")
        _, out, _ = tool("myofeed-sessions", "-d", self.store, "export", "1", "--csv")
        lines = out.strip().splitlines()
        self.assertTrue(lines[0].startswith("session,patient,started,muscle,set,rep,"))
        self.assertGreater(len(lines), 2)
        # the second session of P-1 is compared with the first
        second = sessions_of(self.store, "P-1")[1]
        s = json.load(open(os.path.join(second, "summary.json")))
        self.assertEqual(s["previous_session"], os.path.basename(sessions_of(self.store, "P-1")[0]))
        self.assertIsNotNone(s["muscles"][0]["previous"])
        self.assertGreater(len(s["reps"]), 0)
        self.assertGreater(len(s["cues"]), 3)
        self.assertIn("change in peak", open(os.path.join(second, "report.html")).read())
        # bad arguments and nothing found
        for args, want in ((["show", "99"], 1), (["show", "x"], 1), (["export", "1"], 1), (["trend", "nobody"], 1),
                           (["frobnicate"], 1), ([], 1)):
            rc, _, err = tool("myofeed-sessions", "-d", self.store, *args, check=False)
            self.assertEqual(rc, want, (args, err))
            self.assertTrue(err.strip(), args)
        rc, _, err = tool("myofeed-sessions", "-d", os.path.join(self.tmp, "none"), "list", check=False)
        self.assertEqual(rc, 2)
        self.assertIn("no session store", err)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1] + sys.argv[5:], verbosity=2)  # a test name after the four arguments: only it
