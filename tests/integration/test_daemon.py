#!/usr/bin/env python3
"""Integration tests: the real myofeedd on the synthetic amplifier, with OSC peers in other processes
(this test and liblo's oscdump/oscsend), loopback only, every wait bounded.

usage: test_daemon.py MYOFEEDD SOURCE_DIR
"""
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import daemonproc  # noqa: E402
import oscmini  # noqa: E402

DAEMON = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else "myofeedd"
SRC = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else "."
DEFAULT_CFG = os.path.join(SRC, "config", "myofeed.cfg")
MUSCLES = ["hamstring_left", "hamstring_right", "glute_left", "glute_right"]


def f32(x):
    """x as it arrives in an OSC float."""
    return struct.unpack(">f", struct.pack(">f", x))[0]


def Daemon(*extra, cfg=DEFAULT_CFG, **kw):
    return daemonproc.Daemon(DAEMON, *extra, cfg=cfg, **kw)


class TestStreaming(unittest.TestCase):
    """One daemon, one subscriber, ~8.5 s of the synthetic patient (left curl 2-5 s, right curl 6.5-9.5 s)."""

    @classmethod
    def setUpClass(cls):
        cls.d = Daemon()
        cls.c = oscmini.Client()
        cls.t0 = time.monotonic()
        cls.c.send(cls.d.port, "/emg/ctl/subscribe")
        cls.msgs = []
        # renew the lease while collecting, as clients must
        while time.monotonic() - cls.t0 < 8.5:
            cls.msgs += cls.c.recv_all(1.0)
            cls.c.send(cls.d.port, "/emg/ctl/subscribe")

    @classmethod
    def tearDownClass(cls):
        cls.c.close()
        cls.rc = cls.d.stop()

    def of(self, path):
        return [m for m in self.msgs if m[1] == path]

    def test_subscribe_is_answered_with_ok_state_and_muscles(self):
        oks = [m for m in self.of("/emg/sys/ok") if m[3] == ["/emg/ctl/subscribe"]]
        self.assertGreaterEqual(len(oks), 6)
        sub = self.of("/emg/sys/subscribed")[0]
        self.assertEqual(sub[2], "sii")
        self.assertEqual(sub[3][1], self.c.port)
        muscles = self.of("/emg/sys/muscles")[0]
        self.assertEqual(muscles[3], MUSCLES)
        for m in MUSCLES:
            self.assertEqual(self.of(f"/emg/{m}/calib")[0][2], "ff")
            self.assertEqual(self.of(f"/emg/{m}/threshold")[0][3], [f32(1.7), f32(1.7)])
        self.assertEqual(self.of("/emg/session/state")[0][3], [0, ""])

    def test_frames_arrive_at_the_configured_rate(self):
        frames = self.of("/emg/frame/act")
        # count over the middle 5 s (start-up and the last renewal excluded)
        mid = [m for m in frames if self.t0 + 1.0 <= m[0] < self.t0 + 6.0]
        self.assertGreaterEqual(len(mid), 5 * 50 * 0.9, f"{len(mid)} frames in 5 s")
        self.assertLessEqual(len(mid), 5 * 50 * 1.1, f"{len(mid)} frames in 5 s")
        for m in frames:
            self.assertEqual(m[2], "ffff")
            self.assertTrue(all(0.0 <= a <= 1.0 for a in m[3]))
        for name in MUSCLES:  # profile "muscles": per-muscle values every tick
            self.assertGreater(len(self.of(f"/emg/{name}/act")), 200)
            self.assertEqual(self.of(f"/emg/{name}/active")[0][2], "i")
            self.assertEqual(self.of(f"/emg/{name}/hold")[0][2], "f")
            self.assertEqual(self.of(f"/emg/{name}/env")[0][2], "f")
        self.assertEqual(self.of("/emg/frame/env"), [])  # profile "full" only

    def test_every_datagram_is_small_and_typed_f_i_s(self):
        for m in self.msgs:
            self.assertLessEqual(m[4], 1400)
            self.assertTrue(set(m[2]) <= set("ifs"), m)

    def test_onsets_and_offsets_of_the_synthetic_contractions(self):
        on = self.of("/emg/hamstring_left/onset")
        off = self.of("/emg/hamstring_left/offset")
        self.assertEqual(len(on), 1, on)
        self.assertEqual(len(off), 1, off)
        seq, t_on = on[0][3]
        self.assertEqual(on[0][2], "ii")
        self.assertEqual(seq, 1)
        self.assertTrue(1925 <= t_on <= 2100, t_on)  # true onset 2.0 s (ramp 1.925-2.075 s)
        self.assertEqual(off[0][2], "iiff")
        seq2, t_off, hold, peak = off[0][3]
        self.assertEqual(seq2, 1)
        self.assertTrue(4900 <= t_off <= 5250, t_off)  # ramp down 4.925-5.075 s
        self.assertAlmostEqual(hold, (t_off - t_on) / 1000.0, delta=0.002)
        self.assertTrue(0.2 < peak <= 1.0, peak)
        rep = self.of("/emg/hamstring_left/rep")
        self.assertEqual(len(rep), 1)
        self.assertEqual(rep[0][3][0], 1)
        r_on = self.of("/emg/hamstring_right/onset")
        self.assertEqual(len(r_on), 1)
        self.assertTrue(6425 <= r_on[0][3][1] <= 6600, r_on)
        # the glutes rest until 11 s: no false activations, and active stays 0 in every frame
        self.assertEqual(self.of("/emg/glute_left/onset") + self.of("/emg/glute_right/onset"), [])
        self.assertTrue(all(m[3] == [0] for m in self.of("/emg/glute_left/active")))
        # the onset event is sent at once, before the next frame shows the muscle active
        t_event = on[0][0]
        actives = [m for m in self.of("/emg/hamstring_left/active") if m[3] == [1]]
        self.assertTrue(actives and actives[0][0] >= t_event - 0.001)
        holds = [m[3][0] for m in self.of("/emg/hamstring_left/hold")]
        self.assertGreater(max(holds), 2.5)

    def test_heartbeat_reports_streaming(self):
        hb = self.of("/emg/sys/heartbeat")
        self.assertGreaterEqual(len(hb), 5)
        self.assertEqual(hb[-1][2], "iis")
        self.assertEqual(hb[-1][3][1:], [1, "streaming"])
        seqs = [m[3][0] for m in hb]
        self.assertEqual(seqs, sorted(seqs))


class TestLifecycle(unittest.TestCase):
    def test_sigterm_and_sigint_stop_cleanly_with_fail_safe_outputs(self):
        for sig in (signal.SIGTERM, signal.SIGINT):
            d = Daemon()
            c = oscmini.Client()
            c.send(d.port, "/emg/ctl/subscribe", "frame", types="s")
            self.assertIsNotNone(c.wait_for("/emg/frame/act", 2))
            self.assertEqual(d.stop(sig), 0, d.stderr())
            last = [m for m in c.recv_all(0.5) if m[1] == "/emg/frame/act"]
            self.assertTrue(last and last[-1][3] == [0.0, 0.0, 0.0, 0.0], last[-1:])
            self.assertIn("stopped cleanly", d.stderr())
            c.close()

    def test_sighup_reloads_and_a_bad_file_keeps_the_running_config(self):
        tmp = tempfile.mkdtemp()
        try:
            cfg = os.path.join(tmp, "live.cfg")
            text = open(DEFAULT_CFG).read()
            open(cfg, "w").write(text)
            d = Daemon(cfg=cfg)
            c = oscmini.Client()
            c.send(d.port, "/emg/ctl/subscribe")
            self.assertIsNotNone(c.wait_for("/emg/sys/subscribed"))
            c.recv_all(0.3)  # the rest of the hello
            open(cfg, "w").write(text.replace("on = 1.7; off = 1.7;", "on = 2.0; off = 1.5;", 1))
            d.proc.send_signal(signal.SIGHUP)
            thr = c.wait_for("/emg/hamstring_left/threshold", 3)
            self.assertIsNotNone(thr, d.stderr())
            self.assertEqual(thr[3], [2.0, 1.5])
            open(cfg, "w").write(text.replace("rate_hz = 50.0;", "rate_hz = 5000.0;"))
            d.proc.send_signal(signal.SIGHUP)
            time.sleep(0.5)
            self.assertIsNone(d.proc.poll())
            self.assertIn("reload refused", d.stderr())
            self.assertIn("live.cfg:", d.stderr())
            c.send(d.port, "/emg/ctl/subscribe")
            frames = [m for m in c.recv_all(1.0) if m[1] == "/emg/frame/act"]
            self.assertGreater(len(frames), 30)  # still streaming at 50 Hz, not 5000
            self.assertLess(len(frames), 80)
            self.assertEqual(d.stop(), 0)
            c.close()
        finally:
            shutil.rmtree(tmp)

    def test_rest_and_mvc_calibration(self):
        d = Daemon("-o", "source.follow_calibration=false")  # its own cycle: a patient who cannot follow
        c = oscmini.Client()
        try:
            c.send(d.port, "/emg/ctl/subscribe")
            self.assertIsNotNone(c.wait_for("/emg/sys/subscribed"))
            c.recv_all(0.2)
            c.send(d.port, "/emg/ctl/calibrate/rest", "all", 1)  # the patient rests until 2 s
            msgs = c.recv_all(2.0)
            self.assertIn(["/emg/ctl/calibrate/rest"], [m[3] for m in msgs if m[1] == "/emg/sys/ok"])
            self.assertIn("calibrating", [m[3][2] for m in msgs if m[1] == "/emg/sys/heartbeat"])
            rest = {m[1].split("/")[2]: m[3] for m in msgs if m[1].endswith("/calib")}
            self.assertEqual(sorted(rest), sorted(MUSCLES))
            for name, (r, mvc) in rest.items():
                self.assertTrue(0 < r < 10 and mvc == 0, (name, r, mvc))
            # the left curl holds from 2 to 5 s: an MVC of it; the glute at rest is refused as implausible
            c.send(d.port, "/emg/ctl/calibrate/mvc", "hamstring_left", 2)
            c.send(d.port, "/emg/ctl/calibrate/mvc", "glute_left", 2)
            msgs = []
            for _ in range(6):
                msgs += c.recv_all(0.5)
                c.send(d.port, "/emg/ctl/subscribe")
            cal = [m[3] for m in msgs if m[1] == "/emg/hamstring_left/calib"]
            self.assertTrue(cal and cal[-1][1] > 5 * cal[-1][0], cal)
            errs = [m[3] for m in msgs if m[1] == "/emg/sys/error"]
            self.assertTrue(any(e[1] == "implausible" and "glute_left" in e[2] for e in errs), errs)
            # with an MVC, activation during the rest of the curl is a fraction of it
            t_cal = [m[0] for m in msgs if m[1] == "/emg/hamstring_left/calib"][-1]
            acts = [m[3][0] for m in msgs if m[1] == "/emg/frame/act" and m[0] > t_cal]
            self.assertTrue(acts and 0.2 < max(acts) <= 1.0, acts[:10])
        finally:
            d.stop()
            c.close()

    def test_synthetic_patient_follows_the_calibration(self):
        """By default the synthetic patient relaxes for a rest calibration and pushes for an MVC, whatever its cycle
        would do then (the glute bridge comes only at 11 s)."""
        d = Daemon()
        c = oscmini.Client()
        try:
            c.send(d.port, "/emg/ctl/subscribe")
            self.assertIsNotNone(c.wait_for("/emg/sys/subscribed"))
            c.send(d.port, "/emg/ctl/calibrate/mvc", "glute_left", 1)
            msgs = c.recv_all(2.5)
            cal = [m[3] for m in msgs if m[1] == "/emg/glute_left/calib"]
            self.assertTrue(cal and cal[-1][1] > 20, (cal, [m[3] for m in msgs if m[1] == "/emg/sys/error"]))
            states = [m[3] for m in msgs if m[1] == "/emg/calib/state"]
            self.assertEqual(states[-1][0::3], ["mvc", "done"], states)
            # after it, the patient's own cycle again: the glute rests until 11 s
            acts = [m[3][2] for m in c.recv_all(1.0) if m[1] == "/emg/frame/act"]
            self.assertTrue(acts and max(acts[len(acts) // 2:]) < 0.05, acts[-10:])
        finally:
            d.stop()
            c.close()

    def test_another_prefix_holds_for_every_message(self):
        """osc.prefix reaches every address the daemon sends, replies and late calibration errors included."""
        d = Daemon("-o", "osc.prefix=/clinic/emg", "-o", "source.follow_calibration=false", prefix="/clinic/emg")
        c = oscmini.Client()
        try:
            c.send(d.port, "/emg/ctl/subscribe")  # the old prefix is not the control address any more
            err = c.wait_for("/clinic/emg/sys/error", 2)
            self.assertIsNotNone(err)
            self.assertEqual(err[3][1], "unknown_path")
            c.send(d.port, "/clinic/emg/ctl/subscribe", "full")
            self.assertIsNotNone(c.wait_for("/clinic/emg/sys/subscribed", 2))
            c.send(d.port, "/clinic/emg/ctl/ping", 7)
            c.send(d.port, "/clinic/emg/ctl/info")
            c.send(d.port, "/clinic/emg/ctl/calibrate/mvc", "glute_left", 1)  # the glute rests: refused later
            msgs = c.recv_all(2.5)
            paths = {m[1] for m in msgs}
            self.assertTrue(all(p.startswith("/clinic/emg/") for p in paths), sorted(paths))
            for p in ["/clinic/emg/sys/pong", "/clinic/emg/sys/info", "/clinic/emg/sys/heartbeat", "/clinic/emg/frame/act",
                      "/clinic/emg/glute_left/levels", "/clinic/emg/sys/muscles", "/clinic/emg/session/state"]:
                self.assertIn(p, paths)
            errs = [m[3] for m in msgs if m[1] == "/clinic/emg/sys/error"]
            self.assertIn(["/clinic/emg/ctl/calibrate/mvc", "implausible"], [e[:2] for e in errs])
        finally:
            d.stop()
            c.close()

    def test_leases_expire_unless_renewed(self):
        d = Daemon("-o", "osc.lease_s=1")
        c = oscmini.Client()
        c.send(d.port, "/emg/ctl/subscribe")
        self.assertIsNotNone(c.wait_for("/emg/frame/act", 2))
        time.sleep(2.5)
        c.recv_all(0.1)  # drain
        self.assertEqual([m for m in c.recv_all(1.0) if m[1] == "/emg/frame/act"], [])
        self.assertIn("lease(s) expired", d.stderr())
        d.stop()
        c.close()

    def test_bad_control_messages_are_answered_and_change_nothing(self):
        d = Daemon()
        c = oscmini.Client()
        cases = [
            (oscmini.encode("/emg/ctl/threshold", "all", "x", types="ss"), "bad_arguments"),
            (oscmini.encode("/emg/ctl/threshold", "knee", 5.0), "unknown_muscle"),
            (oscmini.encode("/emg/ctl/threshold", "all", 5.0, 9.0), "out_of_range"),  # off > on
            (oscmini.encode("/emg/ctl/*", "all", 5.0), "wildcard"),
            (oscmini.encode("/emg/ctl/launch"), "unknown_path"),
            (oscmini.encode("/emg/ctl/ping", 1.5, types="d"), "malformed"),  # liblo reads d; we refuse
            (b"\x00\x01garbage", "malformed"),
            (b"#bundle\x00" + b"\x00" * 8, "bundle"),
        ]
        for data, code in cases:
            c.send_raw(d.port, data)
            err = c.wait_for("/emg/sys/error", 2)
            self.assertIsNotNone(err, data)
            if code != "malformed":
                self.assertEqual(err[3][1], code, (data, err))
        c.send(d.port, "/emg/ctl/subscribe")
        thr = c.wait_for("/emg/hamstring_left/threshold", 2)
        self.assertEqual(thr[3], [f32(1.7), f32(1.7)])  # nothing changed
        c.send(d.port, "/emg/ctl/threshold", "hamstring_left", 7)  # an int where a float is meant
        on, off = c.wait_for("/emg/hamstring_left/threshold", 2)[3]
        self.assertEqual(on, 7.0)
        self.assertAlmostEqual(off, 7.0, places=5)  # off keeps its ratio to on (1:1 in the default)
        self.assertIsNone(d.proc.poll())
        d.stop()
        c.close()

    def test_a_second_daemon_on_the_same_port_fails_clearly(self):
        d = Daemon()
        p = subprocess.run([DAEMON, "-c", DEFAULT_CFG, "-o", f"osc.control=127.0.0.1:{d.port}"],
                           capture_output=True, timeout=10)
        self.assertEqual(p.returncode, 2)
        self.assertIn(b"Address already in use", p.stderr)
        self.assertIn(b"another myofeedd", p.stderr)
        d.stop()

    def test_no_busy_loop(self):
        d = Daemon()
        time.sleep(0.5)

        def cpu():
            f = open(f"/proc/{d.proc.pid}/stat").read().rsplit(")", 1)[1].split()
            return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")

        a, t = cpu(), time.monotonic()
        time.sleep(3.0)
        share = (cpu() - a) / (time.monotonic() - t)
        # streaming 4 channels at 2 kHz costs ~1 % of a core; a spinning loop would cost 100 %
        self.assertLess(share, 0.5, f"daemon used {share:.0%} of a core")
        d.stop()


class TestPatients(unittest.TestCase):
    """Patients, calibration that lasts and targets in % MVC, against the real daemon and its session store."""

    def setUp(self):
        self.store = tempfile.mkdtemp(prefix="myofeed-patients-")
        self.addCleanup(shutil.rmtree, self.store, True)

    def hello(self, d, c):
        """Subscribes and returns {path: args} of the last of each message in the first 0.6 s."""
        c.send(d.port, "/emg/ctl/subscribe")
        msgs = c.recv_all(0.6)
        return {m[1]: m[3] for m in msgs}

    def test_calibration_and_targets_are_kept_across_a_restart(self):
        d = Daemon(store=self.store)
        c = oscmini.Client()
        try:
            got = self.hello(d, c)
            self.assertEqual(got["/emg/sys/patient"], ["default"])
            self.assertEqual(got["/emg/hamstring_left/calib"], [0.0, 0.0])
            self.assertEqual(got["/emg/hamstring_left/target"], [0.0, 0.0])
            # a target needs an MVC: refused, nothing changes
            c.send(d.port, "/emg/ctl/target", "hamstring_left", 20.0, 60.0)
            err = c.wait_for("/emg/sys/error", 2)
            self.assertEqual(err[3][:2], ["/emg/ctl/target", "no_mvc"])
            self.assertIn("calibrate the MVC first", err[3][2])
            # rest now (the patient rests until 2 s), MVC of the left curl (2-5 s)
            c.send(d.port, "/emg/ctl/calibrate/rest", "all", 1)
            msgs = c.recv_all(1.6)
            c.send(d.port, "/emg/ctl/calibrate/mvc", "hamstring_left", 2)
            for _ in range(5):
                msgs += c.recv_all(0.5)
                c.send(d.port, "/emg/ctl/subscribe")
            cal = [m[3] for m in msgs if m[1] == "/emg/hamstring_left/calib"]
            self.assertTrue(cal and cal[-1][1] > 5 * cal[-1][0] > 0, cal)
            c.send(d.port, "/emg/ctl/target", "hamstring_left", 20.0, 60.0)
            msgs = c.recv_all(0.5)
            self.assertIn(["/emg/ctl/target"], [m[3] for m in msgs if m[1] == "/emg/sys/ok"])
            self.assertIn([f32(0.2), f32(0.6)], [m[3] for m in msgs if m[1] == "/emg/hamstring_left/target"])
            self.assertEqual(d.stop(), 0)
            # a real restart on the same store: the same patient's calibration and target are back
            d = Daemon(store=self.store)
            got = self.hello(d, c)
            self.assertEqual(got["/emg/sys/patient"], ["default"])
            self.assertEqual(got["/emg/hamstring_left/calib"], cal[-1])
            self.assertEqual(got["/emg/hamstring_left/target"], [f32(0.2), f32(0.6)])
            self.assertEqual(got["/emg/glute_left/calib"][1], 0.0)  # rest only: no MVC, no band
            self.assertEqual(got["/emg/glute_left/target"], [0.0, 0.0])
            # another patient has none of it; choosing the first again brings it back
            c.send(d.port, "/emg/ctl/patient", "p-002")
            msgs = c.recv_all(0.5)
            self.assertIn(["p-002"], [m[3] for m in msgs if m[1] == "/emg/sys/patient"])
            self.assertIn([0.0, 0.0], [m[3] for m in msgs if m[1] == "/emg/hamstring_left/calib"])
            c.send(d.port, "/emg/ctl/patient", "default")
            msgs = c.recv_all(0.5)
            self.assertIn(cal[-1], [m[3] for m in msgs if m[1] == "/emg/hamstring_left/calib"])
            self.assertTrue(os.path.exists(os.path.join(self.store, "myofeed.db")))
            self.assertEqual(os.stat(self.store).st_mode & 0o777, 0o700)
            self.assertEqual(os.stat(os.path.join(self.store, "myofeed.db")).st_mode & 0o777, 0o600)
        finally:
            d.stop()
            c.close()

    def test_a_rest_calibration_while_contracting_is_refused(self):
        t0 = time.monotonic()
        d = Daemon(store=self.store)
        c = oscmini.Client()
        try:
            self.hello(d, c)
            c.send(d.port, "/emg/ctl/calibrate/rest", "hamstring_left", 1)  # at rest (0.6-1.6 s): accepted
            msgs = c.recv_all(1.8)
            states = [m[3] for m in msgs if m[1] == "/emg/calib/state"]
            self.assertEqual(states[0][:2], ["rest", "hamstring_left"])
            self.assertEqual(states[0][3], "running")
            self.assertTrue(0.5 < states[0][2] <= 1.5, states)
            self.assertEqual(states[-1][3], "done")
            rest = [m[3] for m in msgs if m[1] == "/emg/hamstring_left/calib"][-1]
            time.sleep(max(0.0, 2.6 - (time.monotonic() - t0)))  # the left curl holds from 2 to 5 s
            c.send(d.port, "/emg/ctl/subscribe")
            c.send(d.port, "/emg/ctl/calibrate/rest", "hamstring_left", 1.5)
            msgs = c.recv_all(2.2)
            errs = [m[3] for m in msgs if m[1] == "/emg/sys/error"]
            self.assertTrue(errs, [m[1] for m in msgs][:20])
            self.assertEqual(errs[-1][:2], ["/emg/ctl/calibrate/rest", "not_at_rest"])
            self.assertIn("hamstring_left", errs[-1][2])
            self.assertEqual([m[3][3] for m in msgs if m[1] == "/emg/calib/state"][-1], "refused")
            self.assertNotIn("/emg/hamstring_left/calib", [m[1] for m in msgs])  # the old one stays
            c.send(d.port, "/emg/ctl/info")
            got = {m[1]: m[3] for m in c.recv_all(0.5)}
            self.assertEqual(got["/emg/hamstring_left/calib"], rest)
        finally:
            d.stop()
            c.close()

    def test_patient_and_target_with_bad_arguments_change_nothing(self):
        d = Daemon(store=self.store)
        c = oscmini.Client()
        try:
            self.hello(d, c)
            cases = [
                (("/emg/ctl/patient", "../etc"), "bad_arguments"),
                (("/emg/ctl/patient", ""), "bad_arguments"),
                (("/emg/ctl/patient", "x" * 64), "bad_arguments"),
                (("/emg/ctl/patient", 7), "bad_arguments"),
                (("/emg/ctl/patient",), "bad_arguments"),
                (("/emg/ctl/target", "quadriceps", 20.0), "unknown_muscle"),
                (("/emg/ctl/target", "all", 60.0, 20.0), "out_of_range"),
                (("/emg/ctl/target", "all", -5.0), "out_of_range"),
                (("/emg/ctl/target", "all", 20.0, 150.0), "out_of_range"),
                (("/emg/ctl/target", "all", float("nan")), "out_of_range"),
                (("/emg/ctl/target", "all"), "bad_arguments"),
                (("/emg/ctl/target", "all", "high"), "bad_arguments"),
                (("/emg/ctl/target", "all", 20.0), "no_mvc"),
            ]
            for args, code in cases:
                c.send(d.port, *args)
                err = c.wait_for("/emg/sys/error", 2)
                self.assertIsNotNone(err, args)
                self.assertEqual(err[3][1], code, (args, err))
            c.send(d.port, "/emg/ctl/info")  # sends what a new subscriber gets
            got = {m[1]: m[3] for m in c.recv_all(0.5)}
            self.assertEqual(got["/emg/sys/patient"], ["default"])
            self.assertEqual(got["/emg/glute_right/target"], [0.0, 0.0])
        finally:
            d.stop()
            c.close()


class TestProtocols(unittest.TestCase):
    """Exercise protocols on the synthetic patient, who follows the cues, as fast as the daemon can run it."""

    def test_a_whole_protocol_in_fast_replay(self):
        d = Daemon("-o", "source.speed=0")
        c = oscmini.Client()
        try:
            c.send(d.port, "/emg/ctl/subscribe", "frame")
            self.assertIsNotNone(c.wait_for("/emg/sys/subscribed", 2))
            c.recv_all(0.2)
            c.send(d.port, "/emg/ctl/protocol/start", "sit_to_stand")  # 2 sets of 8, hold 2 s, both glutes
            msgs = c.recv_all(20, stop=lambda m: m[1] == "/emg/session/cue" and m[3][0] == "done")
            after = c.recv_all(0.3)  # the last reps' statistics come when their contractions end, after "done"
            self.assertIn(["/emg/ctl/protocol/start"], [m[3] for m in msgs if m[1] == "/emg/sys/ok"])
            msgs = msgs[[i for i, m in enumerate(msgs) if m[1] == "/emg/session/cue"][0]:]  # from the first cue on
            cues = [m[3] for m in msgs if m[1] == "/emg/session/cue"]
            changes = [cues[0]] + [b for a, b in zip(cues, cues[1:]) if (a[0], a[2], a[3]) != (b[0], b[2], b[3])]
            want = [("get_ready", 1, 1)]
            for st in (1, 2):
                for rep in range(1, 9):
                    want.append(("work", rep, st))
                    if rep < 8:
                        want.append(("rest", rep, st))
                if st == 1:
                    want.append(("set_rest", 8, 1))
            want.append(("done", 8, 2))
            self.assertEqual([(c0[0], c0[2], c0[3]) for c0 in changes], want)
            work = [c0 for c0 in changes if c0[0] == "work"]
            self.assertTrue(all(abs(w[1] - 4.0) < 0.01 for w in work), work[:3])  # reach 2 s + hold 2 s
            # every work phase a rep of each glute (without an MVC the patient's held contraction counts), numbered
            # from 1 by the protocol, with its statistics after it
            for m in ("glute_left", "glute_right"):
                reps = [x[3][0] for x in msgs if x[1] == f"/emg/{m}/rep"]
                self.assertEqual(reps, list(range(1, 17)), m)
                stats = [x[3] for x in msgs + after if x[1] == f"/emg/{m}/repstat"]
                stats = stats[[st[0] for st in stats].index(1):][:16]
                self.assertEqual([st[0] for st in stats], list(range(1, 17)))
                for st in stats:
                    self.assertTrue(0 < st[2] <= st[1] <= 100 and st[3] == -1.0 and 60 < st[4] < 300, st)
                self.assertGreaterEqual(len([x for x in msgs + after if x[1] == f"/emg/{m}/fatigue"]), 15)
            self.assertNotIn("/emg/hamstring_left/rep", [x[1] for x in msgs])  # not its protocol
            sym = [x[3] for x in msgs if x[1] == "/emg/session/symmetry"]
            self.assertEqual(len(sym), 16)
            self.assertTrue(all(s0[0] == "glute" and abs(s0[1]) < 60 for s0 in sym), sym)
            self.assertEqual(len([x for x in msgs if x[1] == "/emg/session/coactivation"]), 16)
        finally:
            d.stop()
            c.close()

    def test_mains_is_detected_and_announced(self):
        for hz in (50, 60):
            d = Daemon("-o", f"source.mains_hz={hz}")
            c = oscmini.Client()
            try:
                c.send(d.port, "/emg/ctl/subscribe", "frame")
                msg = c.wait_for("/emg/sys/mains", 6)
                self.assertIsNotNone(msg, hz)
                self.assertEqual(msg[3], [float(hz)])
                self.assertIn(f"mains detected at {hz} Hz", d.stderr())
            finally:
                d.stop()
                c.close()

    def test_the_signal_check(self):
        d = Daemon()
        c = oscmini.Client()
        try:
            c.send(d.port, "/emg/ctl/subscribe", "frame")
            c.wait_for("/emg/sys/subscribed", 2)
            for args, code in [(("/emg/ctl/check", 0.5), "out_of_range"), (("/emg/ctl/check", "long"), "bad_arguments"),
                               (("/emg/ctl/check", 90), "out_of_range")]:
                c.send(d.port, *args)
                err = c.wait_for("/emg/sys/error", 2)
                self.assertEqual(err[3][1], code, (args, err))
            c.send(d.port, "/emg/ctl/check", 1)  # the synthetic patient rests until 2 s
            msgs = c.recv_all(1.8)
            self.assertIn(["/emg/ctl/check"], [m[3] for m in msgs if m[1] == "/emg/sys/ok"])
            for m in MUSCLES:
                q = [x for x in msgs if x[1] == f"/emg/{m}/quality"]
                self.assertEqual(len(q), 1, m)
                self.assertEqual(q[0][2], "fffs")
                noise, mains, clipped, verdict = q[0][3]
                self.assertEqual(verdict, "good", q[0])
                self.assertTrue(0.3 < noise < 5 and clipped == 0 and mains < 30, q[0])
                advice = [x[3][0] for x in msgs if x[1] == f"/emg/{m}/advice"]
                self.assertTrue(advice and advice[0].startswith(f"{m}: good"), advice)
        finally:
            d.stop()
            c.close()

    def test_protocol_messages_with_bad_arguments_change_nothing(self):
        d = Daemon()
        c = oscmini.Client()
        try:
            c.send(d.port, "/emg/ctl/subscribe", "frame")
            c.wait_for("/emg/sys/subscribed", 2)
            cases = [
                (("/emg/ctl/protocol/start", "lunges"), "unknown_protocol"),
                (("/emg/ctl/protocol/start", 3), "bad_arguments"),
                (("/emg/ctl/protocol/start",), "bad_arguments"),
                (("/emg/ctl/protocol/pause",), "not_running"),
                (("/emg/ctl/protocol/resume",), "not_running"),
                (("/emg/ctl/protocol/stop",), "not_running"),
                (("/emg/ctl/protocol/stop", "now"), "bad_arguments"),
            ]
            for args, code in cases:
                c.send(d.port, *args)
                err = c.wait_for("/emg/sys/error", 2)
                self.assertIsNotNone(err, args)
                self.assertEqual(err[3][1], code, (args, err))
            self.assertIn("glute_bridge", err[3][2] if code == "unknown_protocol" else "glute_bridge")
            c.send(d.port, "/emg/ctl/protocol/start", "glute_bridge")
            self.assertIsNotNone(c.wait_for("/emg/session/cue", 2))
            for args, code in [(("/emg/ctl/protocol/start", "clamshell"), "busy"),
                               (("/emg/ctl/protocol/resume",), "not_paused"),
                               (("/emg/ctl/patient", "p2"), "store")]:
                c.send(d.port, *args)
                err = c.wait_for("/emg/sys/error", 2)
                self.assertEqual(err[3][1], code, (args, err))
            c.send(d.port, "/emg/ctl/protocol/pause")
            msgs = c.recv_all(1.5)
            c.send(d.port, "/emg/ctl/protocol/pause")
            err = c.wait_for("/emg/sys/error", 2)
            self.assertEqual(err[3][1], "paused", err)
            self.assertIn("resume it", err[3][2])
            cues = [m[3] for m in msgs if m[1] == "/emg/session/cue"]
            self.assertTrue(len(cues) >= 2 and cues[-1][1] == cues[0][1], cues)  # the clock stands still
            c.send(d.port, "/emg/ctl/protocol/stop")
            msgs = c.recv_all(0.5)
            self.assertIn(["/emg/ctl/protocol/stop"], [m[3] for m in msgs if m[1] == "/emg/sys/ok"])
            self.assertEqual([m[3][0] for m in msgs if m[1] == "/emg/session/cue"][-1], "done")
        finally:
            d.stop()
            c.close()


class TestControlTrust(unittest.TestCase):
    """Control that cannot be abused, from outside: subscriptions go where they were asked for, a client removes
    only its own, a flood costs only its sender, state changes need osc.admin, remote lists need allow_remote."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="myofeed-trust-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def cfg(self, osc_text):
        """The shipped file with these osc settings ("key = value;" ...) in place of its own (lists cannot be -o)."""
        path = os.path.join(self.tmp, "trust.cfg")
        with open(DEFAULT_CFG) as f:
            text = f.read()
        for setting in [x.strip() + ";" for x in osc_text.split(";") if x.strip()]:
            key = setting.split("=")[0].strip()
            text, n = re.subn(r"^(\s*)" + key + r" = .*;$", lambda m: m.group(1) + setting, text, count=1, flags=re.M)
            self.assertEqual(n, 1, key)
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_the_stream_goes_only_where_asked_and_a_flood_costs_its_sender(self):
        d = Daemon(cfg=self.cfg('subscribe_hosts = [];'))
        a, b = oscmini.Client(), oscmini.Client()
        try:
            a.send(d.port, "/emg/ctl/subscribe", b.port)  # point the stream at b, which never asked
            err = a.wait_for("/emg/sys/error", 2)
            self.assertEqual(err[3][:2], ["/emg/ctl/subscribe", "not_allowed"])
            self.assertEqual([m for m in b.recv_all(0.5) if m[1].startswith("/emg/frame")], [])
            b.send(d.port, "/emg/ctl/subscribe", "frame")
            self.assertIsNotNone(b.wait_for("/emg/sys/subscribed", 2))
            a.send(d.port, "/emg/ctl/unsubscribe", "127.0.0.1", b.port)
            err = a.wait_for("/emg/sys/error", 2)
            self.assertEqual(err[3][:2], ["/emg/ctl/unsubscribe", "not_yours"])
            # a floods; b's threshold change is still answered
            for i in range(3000):
                a.send(d.port, "/emg/ctl/ping", i)
            b.recv_all(0.1)
            b.send(d.port, "/emg/ctl/threshold", "hamstring_left", 3.0, 2.0)
            got = b.recv_all(2, stop=lambda m: m[1] in ("/emg/sys/ok", "/emg/sys/error"))
            self.assertIn(["/emg/ctl/threshold"], [m[3] for m in got if m[1] == "/emg/sys/ok"])
            replies = [m for m in a.recv_all(1.0) if m[1] == "/emg/sys/pong"]
            self.assertLess(len(replies), 600)  # its burst and 50 per second, not 3000
            self.assertIn("its replies are being dropped (others' are not)", d.stderr())
        finally:
            d.stop()
            a.close()
            b.close()

    def test_state_changes_need_admin(self):
        d = Daemon(cfg=self.cfg('admin = [];'))
        c = oscmini.Client()
        try:
            c.send(d.port, "/emg/ctl/ping", 7)
            self.assertIsNotNone(c.wait_for("/emg/sys/pong", 2))
            for path, args in (("/emg/ctl/threshold", ("all", 3.0)), ("/emg/ctl/patient", ("P-1",)),
                               ("/emg/ctl/session/start", ()), ("/emg/ctl/calibrate/rest", ("all",))):
                c.send(d.port, path, *args)
                err = c.wait_for("/emg/sys/error", 2)
                self.assertEqual(err[3][:2], [path, "forbidden"], path)
                self.assertIn("osc.admin", err[3][2])
        finally:
            d.stop()
            c.close()

    def bad_chain(self, plugin_block):
        """The shipped file with plugin_block first in the first muscle's filters and the test plugins on the path."""
        bad = os.path.abspath(os.path.join(os.path.dirname(DAEMON), "..", "tests", "bad_plugins"))
        with open(DEFAULT_CFG) as f:
            text = f.read()
        text = text.replace('path = [ "$ORIGIN/../lib/myofeed/plugins" ];',
                            f'path = [ "$ORIGIN/../lib/myofeed/plugins", "{bad}" ];', 1)
        text = text.replace("filters  = (", "filters  = ( " + plugin_block + ",", 1)
        path = os.path.join(self.tmp, "bad.cfg")
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_a_plugin_that_crashes_or_hangs_in_create_is_named(self):
        # under the sanitizers, let the crash be a signal (as in a release build), not ASan's report
        env = dict(os.environ, ASAN_OPTIONS=os.environ.get("ASAN_OPTIONS", "") + ":handle_segv=0")
        for name, words in (("crash_create", b"crashed in create() (Segmentation fault)"),
                            ("hang_create", b"did not return from create() within 5000 ms")):
            t0 = time.monotonic()
            p = subprocess.run([DAEMON, "-c", self.bad_chain('{ plugin = "%s"; }' % name), "--check-config"],
                               capture_output=True, timeout=30, env=env)
            self.assertEqual(p.returncode, 1, (name, p.stderr))
            self.assertIn(words, p.stderr)
            self.assertIn(b"muscle 'hamstring_left', filter '" + name.encode() + b"'", p.stderr)
            self.assertLess(time.monotonic() - t0, 15)
            # the daemon refuses to start with it, saying the same
            p = subprocess.run([DAEMON, "-c", self.bad_chain('{ plugin = "%s"; }' % name), "-o",
                                f"session.dir={self.tmp}/s"], capture_output=True, timeout=30, env=env)
            self.assertEqual(p.returncode, 1, (name, p.stderr))
            self.assertIn(words, p.stderr)

    def test_a_crash_in_process_is_reported_with_fail_safe_outputs(self):
        port = oscmini.free_port()
        c = oscmini.Client()
        cfg = self.bad_chain('{ plugin = "crash_process"; after_s = 1.5; }')
        empty = 'destinations = (\n    # { host = "127.0.0.1"; port = 9000; profile = "muscles"; bundle = false; }\n  );'
        cfg_text = open(cfg).read()
        self.assertIn(empty, cfg_text)
        cfg_text = cfg_text.replace(empty, 'destinations = ( { host = "127.0.0.1"; port = %d; profile = "muscles"; } );'
                                    % c.port)
        with open(cfg, "w") as f:
            f.write(cfg_text)
        env = dict(os.environ, ASAN_OPTIONS=os.environ.get("ASAN_OPTIONS", "") + ":handle_segv=0")
        p = subprocess.Popen([DAEMON, "-c", cfg, "-o", f"osc.control=127.0.0.1:{port}", "-o",
                              f"session.dir={self.tmp}/s"], stderr=subprocess.PIPE, env=env)
        try:
            msgs = c.recv_all(6, stop=lambda m: m[1] == "/emg/sys/heartbeat" and m[3][2] == "error")
            rc = p.wait(10)
        finally:
            if p.poll() is None:
                p.kill()
            c.close()
        err = p.stderr.read().decode()
        self.assertLess(rc, 0, err)  # died of the signal: a service manager restarts it
        self.assertIn("FATAL daemon: SIGSEGV (invalid memory access) in plugin 'crash_process' (muscle "
                      "'hamstring_left')", err)
        last = {}
        for m in msgs:
            last[m[1]] = m[3]
        self.assertEqual(last.get("/emg/sys/heartbeat", [None, None, None])[2], "error", msgs[-5:])
        self.assertEqual(last["/emg/hamstring_left/act"], [0.0])
        self.assertEqual(last["/emg/hamstring_left/active"], [0])

    def test_a_plugin_giving_nan_marks_its_muscle_plugin_error_not_rest(self):
        path = self.bad_chain('{ plugin = "nan_after"; after_s = 1.0; }')
        d = Daemon(cfg=path)
        c = oscmini.Client()
        try:
            c.send(d.port, "/emg/ctl/subscribe", "frame")
            msgs = c.recv_all(4, stop=lambda m: m[1] == "/emg/sys/error" and m[3][1] == "plugin_error")
            err = [m for m in msgs if m[1] == "/emg/sys/error"]
            self.assertTrue(err, d.stderr()[-1500:])
            self.assertEqual(err[-1][3][0], "/emg/hamstring_left")
            self.assertIn("nan_after", err[-1][3][2])
            after = [m[3] for m in c.recv_all(0.5) if m[1] == "/emg/frame/act"]
            self.assertTrue(after and all(a[0] == 0.0 for a in after), after[:3])
            # a new subscriber hears it too
            c2 = oscmini.Client()
            c2.send(d.port, "/emg/ctl/subscribe", "frame")
            hello = c2.recv_all(0.5)
            c2.close()
            self.assertIn("plugin_error", [m[3][1] for m in hello if m[1] == "/emg/sys/error"])
        finally:
            d.stop()
            c.close()
        self.assertIn("muscle 'hamstring_left': a plugin of its chain (nan_after -> ", d.stderr())

    def test_user_drops_root_after_binding(self):
        if os.getuid() != 0:
            self.skipTest("not root: there is no root to drop (run the suite as root to test --user)")
        os.chmod(self.tmp, 0o777)  # the store is made after the drop, by the user
        # LeakSanitizer stops the world with ptrace, which a process that changed its uid may no longer do
        saved = os.environ.get("ASAN_OPTIONS")
        os.environ["ASAN_OPTIONS"] = (saved or "") + ":detect_leaks=0"
        try:
            d = Daemon("--user", "nobody", store=os.path.join(self.tmp, "store"))
        finally:
            if saved is None:
                del os.environ["ASAN_OPTIONS"]
            else:
                os.environ["ASAN_OPTIONS"] = saved
        try:
            status = open(f"/proc/{d.proc.pid}/status").read()
            uid = [l.split() for l in status.splitlines() if l.startswith("Uid:")][0]
            self.assertEqual(uid[1:], ["65534"] * 4, status)  # real, effective, saved, filesystem
            self.assertEqual(os.stat(os.path.join(self.tmp, "store", "myofeed.db")).st_uid, 65534)
        finally:
            d.stop()
        self.assertIn("running as user 'nobody' (uid 65534", d.stderr())
        p = subprocess.run([DAEMON, "--user", "no-such-user-here", "-o", f"session.dir={self.tmp}/x"],
                           capture_output=True, timeout=20)
        self.assertEqual(p.returncode, 1)
        self.assertIn(b"--user no-such-user-here: no such user", p.stderr)

    def test_remote_and_empty_lists_are_refused_or_warned(self):
        p = subprocess.run([DAEMON, "-c", self.cfg('allow = [];'), "--check-config"], capture_output=True, timeout=20)
        self.assertEqual(p.returncode, 1)
        self.assertIn(b"osc.allow = [] would answer nobody", p.stderr)
        p = subprocess.run([DAEMON, "-c", self.cfg('allow = ["0.0.0.0/0"];'), "--check-config"], capture_output=True,
                           timeout=20)
        self.assertEqual(p.returncode, 1)
        self.assertIn(b"osc.allow reaches beyond this machine; set osc.allow_remote = true", p.stderr)
        d = Daemon(cfg=self.cfg('allow = ["0.0.0.0/0"]; allow_remote = true;'))
        d.stop()
        self.assertIn("osc.allow_remote = true: control messages are accepted from beyond this machine", d.stderr())


class TestBundles(unittest.TestCase):
    """+bundle profiles and bundle = true: each tick's messages as bundles of at most 1400 bytes (immediate
    timetag), read by oscmini, liblo (oscdump) and python3-liblo; events and plain profiles stay one message per
    datagram. 32 muscles with long names, so that a tick needs several bundles."""

    CHAIN = """
    filters  = ( { plugin = "butterworth"; type = "bandpass"; order = 4; low_hz = 20.0; high_hz = 450.0; } );
    envelope = { plugin = "rms"; window_ms = 50.0; };
    detector = { plugin = "threshold"; on = 25.0; off = 12.0; };"""
    NAMES = [f"m{i:02d}_semitendinosus_long_name" for i in range(32)]

    def test_bundles_are_split_read_everywhere_and_events_are_not_held(self):
        tmp = tempfile.mkdtemp(prefix="myofeed-bundle-")
        dump_port, dest = oscmini.free_port(), oscmini.Client()
        body = ",\n".join(f'  {{ name = "{n}"; channel = {i + 1};{self.CHAIN} }}' for i, n in enumerate(self.NAMES))
        cfg = os.path.join(tmp, "bundle.cfg")
        with open(cfg, "w") as f:
            f.write('source = { type = "synthetic"; channels = 32; sample_rate = 2000.0; };\n'
                    'osc = { destinations = ( '
                    f'{{ host = "127.0.0.1"; port = {dump_port}; profile = "muscles+bundle"; }}, '
                    f'{{ host = "127.0.0.1"; port = {dest.port}; profile = "frame"; bundle = true; }} ); }};\n'
                    f"muscles = (\n{body}\n);\n")
        out = tempfile.TemporaryFile()
        dump = subprocess.Popen(["oscdump", str(dump_port)], stdout=out, stderr=subprocess.DEVNULL)
        d = Daemon(cfg=cfg)
        bundled, plain = oscmini.Client(), oscmini.Client()
        pyliblo = """
import json, sys, time, liblo
seen = {}
def any_msg(path, args, types, src):
    seen[path] = seen.get(path, 0) + 1
s = liblo.Server(0)
s.add_method(None, None, any_msg)
s.send(liblo.Address("127.0.0.1", int(sys.argv[1])), "/emg/ctl/subscribe", "muscles+bundle")
end = time.monotonic() + 2.0
while time.monotonic() < end:
    s.recv(50)
print(json.dumps(seen))
"""
        py = subprocess.Popen(["/usr/bin/python3", "-c", pyliblo, str(d.port)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
        try:
            bundled.send(d.port, "/emg/ctl/subscribe", "muscles+bundle")
            plain.send(d.port, "/emg/ctl/subscribe", "muscles")
            t0 = time.monotonic()
            got = bundled.recv_all(2.6)  # the m00 curl (role hamstring left) starts at 2 s: an onset
            got_plain = plain.recv_all(0.5)
            got_dest = dest.recv_all(0.5)
            py_out, py_err = py.communicate(timeout=10)
        finally:
            dump.terminate()
            dump.wait(5)
            d.stop()
            for c in (bundled, plain, dest):
                c.close()
            shutil.rmtree(tmp, ignore_errors=True)
        self.assertGreater(time.monotonic() - t0, 2.5)
        # bundled: every tick's frame and per-muscle messages come in bundles, none over 1400 bytes, split
        self.assertTrue(all(m[4] <= 1400 for m in got), max(m[4] for m in got))
        ticks = [m for m in got if m[1] == "/emg/frame/act"]
        self.assertGreater(len(ticks), 100)
        self.assertTrue(all(m[5] for m in ticks))
        per_muscle = [m for m in got if m[1].startswith("/emg/m") and m[1].rsplit("/", 1)[1] in
                      ("act", "env", "active", "hold")]
        self.assertTrue(all(m[5] for m in per_muscle))
        for n in self.NAMES:
            acts = [m for m in per_muscle if m[1] == f"/emg/{n}/act"]
            self.assertLessEqual(abs(len(acts) - len(ticks)), 1, n)
        datagrams = {(m[0], m[4]) for m in got if m[5]}  # one receive time and size per datagram
        # 129 messages of about 48 bytes a tick: at least 4 bundles of at most 1400 bytes
        self.assertGreaterEqual(len(datagrams), 4 * len(ticks), "a tick was not split into bundles")
        self.assertLessEqual(len(datagrams), 7 * len(ticks), "bundles are not filled")
        # events go out at once, as messages of their own, to every profile
        onsets = [m for m in got if m[1] == "/emg/m00_semitendinosus_long_name/onset"]
        self.assertEqual(len(onsets), 1, [m[1] for m in got if "onset" in m[1]])
        self.assertFalse(onsets[0][5], "an event was held back in a bundle")
        self.assertTrue(all(not m[5] for m in got if m[1].startswith("/emg/sys/")))
        # plain "muscles": one message per datagram, as before
        self.assertGreater(len([m for m in got_plain if m[1] == "/emg/frame/act"]), 15)
        self.assertTrue(all(not m[5] for m in got_plain))
        # bundle = true on a static destination ("frame": /frame/act only)
        dest_frames = [m for m in got_dest if m[1] == "/emg/frame/act"]
        self.assertGreater(len(dest_frames), 15)
        self.assertTrue(all(m[5] for m in dest_frames))
        self.assertEqual([m for m in got_dest if m[1].endswith("/act") and m[1] != "/emg/frame/act"], [])
        # liblo's oscdump and python3-liblo read the bundles: every muscle's act, every tick
        out.seek(0)
        text = out.read().decode()
        n_frames = text.count("/emg/frame/act ")
        self.assertGreater(n_frames, 100)
        for n in self.NAMES:
            self.assertLessEqual(abs(text.count(f"/emg/{n}/act f ") - n_frames), 1, n)
        self.assertEqual(py.returncode, 0, py_err)
        seen = json.loads(py_out)
        self.assertGreater(seen.get("/emg/frame/act", 0), 80, seen)
        for n in self.NAMES:
            self.assertLessEqual(abs(seen.get(f"/emg/{n}/hold", 0) - seen["/emg/frame/act"]), 1, n)

    def test_a_bad_profile_is_refused_with_the_choices(self):
        d = Daemon()
        c = oscmini.Client()
        try:
            c.send(d.port, "/emg/ctl/subscribe", "muscles+bundles")
            err = c.wait_for("/emg/sys/error", 2)
            self.assertIsNotNone(err)
            self.assertEqual(err[3][:2], ["/emg/ctl/subscribe", "bad_arguments"])
            self.assertIn("frame, muscles or full, optionally with +bundle", err[3][2])
        finally:
            d.stop()
            c.close()


class TestWithLibloTools(unittest.TestCase):
    def test_oscdump_in_another_process_receives_frames_and_events(self):
        oscdump, oscsend = shutil.which("oscdump"), shutil.which("oscsend")
        self.assertTrue(oscdump and oscsend, "liblo-tools (oscdump, oscsend) must be installed")
        d = Daemon()
        port = oscmini.free_port()
        out = tempfile.TemporaryFile()
        dump = subprocess.Popen([oscdump, str(port)], stdout=out, stderr=subprocess.DEVNULL)
        try:
            time.sleep(0.3)
            subprocess.run([oscsend, "127.0.0.1", str(d.port), "/emg/ctl/subscribe", "i", str(port)], check=True,
                           timeout=5)
            time.sleep(2.5)
        finally:
            dump.terminate()
            dump.wait(5)
            d.stop()
        out.seek(0)
        text = out.read().decode()
        self.assertIn("/emg/sys/muscles ssss", text)
        self.assertGreater(text.count("/emg/frame/act ffff"), 80)
        self.assertIn("/emg/hamstring_left/onset ii 1 ", text)


class TestCommandLine(unittest.TestCase):
    def run_cli(self, *args, cwd=None):
        return subprocess.run([DAEMON, *args], capture_output=True, timeout=20, cwd=cwd)

    def test_check_config_accepts_every_example_config(self):
        for name in sorted(os.listdir(os.path.join(SRC, "config"))):
            if name.endswith(".cfg") and name != "protocols.cfg":  # a part every configuration gets, not one
                p = self.run_cli("-c", os.path.join(SRC, "config", name), "--check-config")
                self.assertEqual(p.returncode, 0, (name, p.stderr))
                self.assertIn(b"configuration OK", p.stdout)

    def test_check_config_lists_every_problem_with_file_and_line(self):
        tmp = tempfile.mkdtemp()
        try:
            cfg = os.path.join(tmp, "bad.cfg")
            text = open(DEFAULT_CFG).read()
            text = text.replace("rate_hz = 50.0;", "rate_hz = 0.0;").replace('plugin = "linear-envelope"', 'plugin = "rsm"', 1)
            text = text.replace("on = 1.7;", "treshold = 1.7;", 1)
            open(cfg, "w").write(text)
            p = self.run_cli("-c", cfg, "--check-config")
            self.assertEqual(p.returncode, 1)
            err = p.stderr.decode()
            lines = [l for l in err.splitlines() if l]
            self.assertGreaterEqual(len(lines), 3, err)
            for l in lines:
                self.assertRegex(l, r"^" + cfg.replace(".", r"\.") + r":\d+: ")
            self.assertIn("osc.rate_hz = 0 is out of range", err)
            self.assertIn("no plugin 'rsm'", err)
            self.assertIn("unknown parameter 'treshold'; known keys: on off h tau_s", err)
        finally:
            shutil.rmtree(tmp)

    def test_usage_errors_exit_1(self):
        self.assertEqual(self.run_cli("--no-such-option").returncode, 1)
        self.assertEqual(self.run_cli("-c").returncode, 1)
        p = self.run_cli("-c", "/nonexistent.cfg", "--check-config")
        self.assertEqual(p.returncode, 1)
        self.assertIn(b"/nonexistent.cfg: cannot read the configuration: No such file or directory", p.stderr)
        p = self.run_cli("-c", DEFAULT_CFG, "-o", "osc.nope=1", "--check-config")
        self.assertEqual(p.returncode, 1)
        self.assertIn(b"-o osc.nope=1: unknown setting", p.stderr)
        p = self.run_cli("-c", DEFAULT_CFG, "-o", "source.sample_rate=500", "--check-config")
        self.assertEqual(p.returncode, 1)  # 450 Hz band edge above Nyquist at 500 Hz
        self.assertIn(b"high_hz 450 must be below Nyquist (250 Hz at 500 Hz)", p.stderr)

    def test_version_help_and_plugin_list(self):
        p = self.run_cli("--version")
        self.assertEqual(p.returncode, 0)
        self.assertIn(b"plugin ABI 1.3", p.stdout)
        self.assertEqual(self.run_cli("--help").returncode, 0)
        p = self.run_cli("-c", DEFAULT_CFG, "--list-plugins")
        self.assertEqual(p.returncode, 0, p.stderr)
        out = p.stdout.decode()
        for name, kind in (("butterworth", "filter"), ("notch", "filter"), ("rms", "envelope"),
                           ("threshold", "detector")):
            self.assertRegex(out, rf"(?m)^{name} \({kind} ")
        for param in ("order", "low_hz", "freq_hz", "window_ms", "min_on_ms"):
            self.assertRegex(out, rf"(?m)^    {param} ")
        self.assertIn("[runtime]", out)

    def test_built_in_default_when_no_file_is_found(self):
        tmp = tempfile.mkdtemp()
        try:
            p = self.run_cli("--check-config", cwd=tmp)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertIn(b"(built-in default): configuration OK", p.stdout)
        finally:
            shutil.rmtree(tmp)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
