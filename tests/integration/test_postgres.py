#!/usr/bin/env python3
"""A clinic's shared history against a real PostgreSQL that this test starts itself: Debian's postgresql, a
scratch data folder, the unprivileged 'postgres' user (or the current user when not root), a loopback port,
stopped at the end. Two stations write to it; an outage queues locally and syncs after, losing nothing;
myofeed-sessions reads the same tables there.

usage: test_postgres.py MYOFEEDD BIN_DIR SOURCE_DIR
Exit 77 (CTest: skipped) with a message only when PostgreSQL's server programs are not installed.
"""
import glob
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import daemonproc  # noqa: E402
import oscmini  # noqa: E402

DAEMON, BIN, SRC = (os.path.abspath(a) for a in sys.argv[1:4])
DEFAULT_CFG = os.path.join(SRC, "config", "myofeed.cfg")
PG_BIN = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
if not PG_BIN or not os.path.exists(os.path.join(PG_BIN[-1], "initdb")):
    print("test_postgres: SKIPPED: PostgreSQL's server (Debian package postgresql) is not installed; "
          "scripts/deps.sh test installs it", file=sys.stderr)
    sys.exit(77)
PG_BIN = PG_BIN[-1]


class Server:
    """A scratch PostgreSQL cluster on a loopback port."""

    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="myofeed-pg-")
        os.chmod(self.tmp, 0o755)
        self.data = os.path.join(self.tmp, "data")
        self.log = os.path.join(self.tmp, "server.log")
        self.port = oscmini.free_port()
        self.user = None
        if os.getuid() == 0:  # the server refuses to run as root: it runs as the unprivileged postgres user
            self.user = "postgres"
            pw = pwd.getpwnam(self.user)
            os.chown(self.tmp, pw.pw_uid, pw.pw_gid)
        self.run("initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
        self.start()
        self.run("createuser", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "myofeed")
        self.run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-O", "myofeed", "myofeed")
        self.url = f"postgresql://myofeed@127.0.0.1:{self.port}/myofeed"

    def run(self, prog, *args):
        cmd = [os.path.join(PG_BIN, prog), *args]
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        p = subprocess.run(cmd, capture_output=True, timeout=60, cwd=self.tmp)
        assert p.returncode == 0, (prog, p.stdout.decode(), p.stderr.decode())
        return p.stdout.decode()

    def start(self):
        self.run("pg_ctl", "-D", self.data, "-l", self.log, "-w", "-t", "30", "-o",
                 f"-p {self.port} -k {self.tmp} -c listen_addresses=127.0.0.1 -c fsync=off", "start")

    def stop(self):
        self.run("pg_ctl", "-D", self.data, "-w", "-t", "30", "-m", "fast", "stop")

    def sql(self, query):
        return self.run("psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "myofeed", "-d", "myofeed", "-At",
                        "-c", query).strip()

    def close(self):
        try:
            self.stop()
        except AssertionError:
            pass
        shutil.rmtree(self.tmp, ignore_errors=True)


def sessions_tool(*args):
    p = subprocess.run([os.path.join(BIN, "myofeed-sessions"), *args], capture_output=True, timeout=60)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def ctl(d, c, path, *args):
    c.send(d.port, path, *args)
    got = c.recv_all(2, stop=lambda m: m[1] in ("/emg/sys/ok", "/emg/sys/error") and m[3][0] == path)
    replies = [m for m in got if m[1] in ("/emg/sys/ok", "/emg/sys/error") and m[3][0] == path]
    assert replies and replies[-1][1] == "/emg/sys/ok", replies


def wait_log(d, text, seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if text in d.stderr():
            return True
        time.sleep(0.1)
    return False


def short_session(d, c, label):
    ctl(d, c, "/emg/ctl/session/start", label)
    time.sleep(0.8)
    ctl(d, c, "/emg/ctl/session/stop")


class TestClinicDatabase(unittest.TestCase):
    def setUp(self):
        self.pg = Server()
        self.addCleanup(self.pg.close)
        self.tmp = tempfile.mkdtemp(prefix="myofeed-stations-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def station(self, name):
        return daemonproc.Daemon(DAEMON, "-o", f"session.database={self.pg.url}", "-o", f"session.station={name}",
                                 cfg=DEFAULT_CFG, store=os.path.join(self.tmp, name))

    def test_two_stations_an_outage_and_the_same_cli(self):
        a, b = self.station("station-a"), self.station("station-b")
        c = oscmini.Client()
        try:
            ctl(a, c, "/emg/ctl/patient", "P-9")
            ctl(a, c, "/emg/ctl/calibrate/rest", "all", 1.0)  # the synthetic patient rests for the first 2 s
            time.sleep(1.6)
            short_session(a, c, "at station a")
            ctl(b, c, "/emg/ctl/patient", "P-9")
            short_session(b, c, "at station b")
            end = time.monotonic() + 20
            while time.monotonic() < end and self.pg.sql("SELECT COUNT(*) FROM sessions") != "2":
                time.sleep(0.2)
            self.assertEqual(self.pg.sql("SELECT station || ' ' || label FROM sessions ORDER BY station"),
                             "station-a at station a\nstation-b at station b")
            self.assertEqual(self.pg.sql("SELECT COUNT(*) FROM session_muscles"), "8")
            self.assertGreaterEqual(int(self.pg.sql("SELECT COUNT(*) FROM calibrations WHERE station = 'station-a'")),
                                    4)
            self.assertIn("session.database: connected", a.stderr())
            # the outage: station a records while the server is down; nothing is lost
            self.pg.stop()
            short_session(a, c, "during the outage")
            self.assertTrue(wait_log(a, "session.database unreachable", 15), a.stderr()[-2000:])
            rc, out, err = sessions_tool("-d", os.path.join(self.tmp, "station-a"), "--local", "list")
            self.assertEqual(rc, 0, err)
            self.assertIn("during the outage", out)
            rc, out, err = sessions_tool("--database", self.pg.url, "list")
            self.assertEqual(rc, 2)
            self.assertIn("cannot connect", err)
            self.pg.start()
            end = time.monotonic() + 20
            while time.monotonic() < end and self.pg.sql("SELECT COUNT(*) FROM sessions") != "3":
                time.sleep(0.3)
            self.assertEqual(self.pg.sql("SELECT COUNT(*) FROM sessions"), "3")
            self.assertEqual(self.pg.sql("SELECT COUNT(*) FROM sessions WHERE state = 'done'"), "3")
        finally:
            a.stop()
            b.stop()
            c.close()
        # the same CLI on the clinic's database
        rc, out, err = sessions_tool("--database", self.pg.url, "list", "P-9")
        self.assertEqual(rc, 0, err)
        self.assertEqual(len(out.strip().splitlines()), 4, out)
        for label in ("at station a", "at station b", "during the outage"):
            self.assertIn(label, out)
        first = out.strip().splitlines()[1].split()[0]
        rc, out, err = sessions_tool("--database", self.pg.url, "show", first)
        self.assertEqual(rc, 0, err)
        self.assertIn("station   station-a", out)
        self.assertIn("hamstring_left", out)
        rc, out, err = sessions_tool("--database", self.pg.url, "trend", "P-9", "--muscle", "glute_left")
        self.assertEqual(rc, 0, err)
        self.assertEqual(len(out.strip().splitlines()), 4, out)
        rc, out, err = sessions_tool("--database", self.pg.url, "export", first, "--csv")
        self.assertEqual(rc, 0, err)
        self.assertTrue(out.startswith("session,patient,started,muscle,"))
        # a restart copies nothing twice
        self.assertEqual(self.pg.sql("SELECT COUNT(*) FROM calibrations"),
                         self.pg.sql("SELECT COUNT(DISTINCT (station, local_id)) FROM calibrations"))


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
