#!/usr/bin/env python3
"""bench_fanout.py: what fan-out costs. Starts the real myofeedd on the synthetic patient at 2 kHz with the default
chain on every muscle, adds subscribers (UDP sockets on loopback that renew their lease every 3 s and are not
read: the daemon's cost is the same, and the bench stays out of its way), and prints the daemon's CPU as % of one
core (every thread's run time from /proc/PID/task/*/schedstat
over the window) beside the no-subscriber baseline measured in the same run.

usage: bench/bench_fanout.py [BUILD_DIR] [--seconds S] [--channels 4,16,64] [--subs 0,1,16,32]
                             [--profiles frame,muscles,muscles+bundle]
Channels beyond 32 give 32 muscles (the muscle limit) on more channels. Prints numbers; asserts nothing."""
import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "integration"))
import oscmini  # noqa: E402

ROLES = ["hamstring_left", "hamstring_right", "glute_left", "glute_right"]
CHAIN = """
    filters  = ( { plugin = "butterworth"; type = "bandpass"; order = 2; low_hz = 20.0; high_hz = 450.0; },
                 { plugin = "notch"; freq_hz = "auto"; q = 30.0; harmonics = 3; } );
    envelope = { plugin = "linear-envelope"; cutoff_hz = 80.0; order = 1; };
    detector = { plugin = "cusum"; on = 1.7; off = 1.7; h = 30.0; tau_s = 1.5; min_on_ms = 0.0; min_off_ms = 250.0; };"""


def write_config(path, channels, port):
    n = min(channels, 32)
    body = ",\n".join(f'  {{ name = "{ROLES[i % 4]}_{i // 4:02d}"; channel = {i + 1};{CHAIN} }}' for i in range(n))
    with open(path, "w") as f:
        f.write(f'source = {{ type = "synthetic"; channels = {channels}; sample_rate = 2000.0; }};\n'
                f'osc = {{ control = "127.0.0.1:{port}"; }};\nmuscles = (\n{body}\n);\n')
    return n


def cpu_s(pid):
    """CPU time of every thread of pid, from the scheduler's nanosecond accounting (/proc/.../schedstat)."""
    total = 0
    for t in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{t}/schedstat") as f:
                total += int(f.read().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total * 1e-9


def measure(exe, tmp, channels, n_subs, profile, seconds):
    port = oscmini.free_port()
    cfg = os.path.join(tmp, f"fanout{channels}.cfg")
    muscles = write_config(cfg, channels, port)
    d = subprocess.Popen([exe, "-c", cfg, "-o", f"session.dir={tmp}/store"], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    socks = []
    try:
        probe = oscmini.Client()
        for _ in range(100):
            probe.send(port, "/emg/ctl/ping", 1)
            if probe.wait_for("/emg/sys/pong", 0.05):
                break
        probe.close()
        for _ in range(n_subs):  # each its own socket: at most 4 subscriptions per socket
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)

        def renew():
            for s in socks:
                s.sendto(oscmini.encode("/emg/ctl/subscribe", profile), ("127.0.0.1", port))
        renew()
        time.sleep(1.0)  # start-up and the subscriptions' one-off messages
        c0, t0 = cpu_s(d.pid), time.monotonic()
        next_renew = t0 + 3
        while time.monotonic() - t0 < seconds:
            time.sleep(min(0.5, max(0.0, next_renew - time.monotonic())))
            if time.monotonic() >= next_renew:
                renew()
                next_renew += 3
        c1, t1 = cpu_s(d.pid), time.monotonic()
        return muscles, 100.0 * (c1 - c0) / (t1 - t0)
    finally:
        d.terminate()
        d.wait(10)
        for s in socks:
            s.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("build", nargs="?", default="build")
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--channels", default="4,16,64")
    ap.add_argument("--subs", default="0,1,16,32")
    ap.add_argument("--profiles", default="frame,muscles,muscles+bundle")
    a = ap.parse_args()
    exe = os.path.join(a.build, "bin", "myofeedd")
    if not os.access(exe, os.X_OK):
        sys.exit(f"bench_fanout: no {exe}; build first (cmake --build {a.build})")
    tmp = tempfile.mkdtemp(prefix="myofeed-fanout-")
    try:
        print(f"myofeedd CPU, % of one core, {a.seconds:g} s windows, 2 kHz synthetic, default chain per muscle")
        print(f"{'channels':>8} {'muscles':>7} {'profile':>15} {'subs':>4} {'CPU %':>7} {'- baseline':>10}")
        for ch in (int(x) for x in a.channels.split(",")):
            muscles, base = measure(exe, tmp, ch, 0, "muscles", a.seconds)
            print(f"{ch:8d} {muscles:7d} {'(none)':>15} {0:4d} {base:7.2f} {0:10.2f}", flush=True)
            for prof in a.profiles.split(","):
                for n in (int(x) for x in a.subs.split(",")):
                    if n == 0:
                        continue
                    _, cpu = measure(exe, tmp, ch, n, prof, a.seconds)
                    print(f"{ch:8d} {muscles:7d} {prof:>15} {n:4d} {cpu:7.2f} {cpu - base:10.2f}", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
