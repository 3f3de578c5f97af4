#!/usr/bin/env python3
"""Daemon-added latency: from the last byte of a Cyton frame written to the pty to the onset datagram
received on loopback, with 8 channels at 2 kHz and at the Cyton's own 250 Hz. Prints p50/p99/max.
The daemon runs its real serial path (libserialport, through the test-only pty shim) with a chain that
decides on the triggering sample itself (no filter delay), so what is measured is the daemon's own time:
pty wake-up, decode, pipeline, feedback, OSC encode and send, loopback delivery. Printed beside it: the same
hops through an idle echo process, i.e. what any process that sleeps between frames pays on this machine.
Numbers, not pass/fail.

usage: bench/bench_latency.py [BUILD_DIR] [N_ONSETS]      (defaults: build, 300)
"""
import os
import select
import socket
import struct
import subprocess
import sys
import tempfile
import time
import tty

BUILD = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")
N = int(sys.argv[2]) if len(sys.argv) > 2 else 300
DAEMON = os.path.join(BUILD, "bin", "myofeedd")
SHIM = os.path.join(BUILD, "tests", "pty_shim.so")
SCALE = 4.5 / 24 / 8388607.0 * 1e6  # uV per count at gain 24


def put(fd, data):
    """Writes all of data to the non-blocking pty master, waiting while the daemon is not reading."""
    end = time.monotonic() + 2
    while data:
        try:
            data = data[os.write(fd, data):]
        except BlockingIOError:
            if time.monotonic() > end:
                raise RuntimeError("the daemon stopped reading the pty")
            select.select([], [fd], [], 0.01)


def frame(counter, uv):
    v = int(round(uv / SCALE)) & 0xFFFFFF
    ch = bytes([v >> 16, (v >> 8) & 0xFF, v & 0xFF]) * 8
    return bytes([0xA0, counter & 0xFF]) + ch + bytes(6) + bytes([0xC0])


def run(rate, floor=None):
    tmp = tempfile.mkdtemp()
    master, slave = os.openpty()
    os.set_blocking(master, False)
    tty.setraw(slave)
    link = os.path.join(tmp, "amp")
    os.symlink(os.ttyname(slave), link)
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.bind(("127.0.0.1", 0))
    port = rx.getsockname()[1]
    cfg = os.path.join(tmp, "lat.cfg")
    with open(cfg, "w") as f:
        f.write(f"""source = {{ type = "serial"; port = "{link}"; decoder = "openbci-cyton"; sample_rate = {float(rate)};
  watchdog_ms = 5000.0; }};
osc = {{ control = "127.0.0.1:{port + 1}"; destinations = ( {{ host = "127.0.0.1"; port = {port}; profile = "frame"; }} ); }};
muscles = ( {{ name = "m"; channel = 1; envelope = {{ plugin = "rms"; window_ms = 1.0; }};
  detector = {{ plugin = "threshold"; on = 1000.0; off = 500.0; min_on_ms = 0.0; min_off_ms = 0.0; }}; }} );
""")
    env = dict(os.environ, LD_PRELOAD=SHIM)
    errlog = open(os.path.join(tmp, "daemon.log"), "w")
    d = subprocess.Popen([DAEMON, "-c", cfg], stderr=errlog, env=env)
    # the Cyton handshake: "v" -> banner ending in "$$$", then "b"
    buf = b""
    end = time.monotonic() + 5
    while b"b" not in buf and time.monotonic() < end:
        r, _, _ = select.select([master], [], [], 0.1)
        if r:
            buf += os.read(master, 100)
            if b"v" in buf and b"$$$" not in buf[-3:]:
                put(master, b"OpenBCI V3 8-16 channel\nFirmware: v3.1.1\n$$$")
                buf += b"$$$"
    counter = 0
    period = 1.0 / rate
    lat = []
    t_next = time.perf_counter()
    rx.settimeout(0.2)
    try:
        for k in range(N + 10):
            for _ in range(int(0.03 * rate) + 2):  # rest for 30 ms
                put(master, frame(counter, 0.0))
                counter += 1
                t_next += period
                while time.perf_counter() < t_next:
                    pass
            # a jump far beyond the signal's steps waits one frame in the decoder's check (out and back in one
            # sample is damage, not EMG): the step is two frames, and the time runs from the second
            put(master, frame(counter, 5000.0))
            counter += 1
            put(master, frame(counter, 5000.0))
            t0 = time.perf_counter_ns()
            counter += 1
            give_up = time.monotonic() + 1.0  # frames keep coming: bound the wait for the onset itself
            while True:
                try:
                    data = rx.recv(2048)
                except socket.timeout:
                    data = None
                    break
                if data.startswith(b"/emg/m/onset"):
                    break
                if time.monotonic() > give_up:
                    data = None
                    break
            t1 = time.perf_counter_ns()
            if data and k >= 10:  # the first few warm up the caches and the detector
                lat.append((t1 - t0) / 1000.0)
            t_next = time.perf_counter()
    finally:
        d.terminate()
        d.wait(5)
        os.close(master)
        os.close(slave)
    lat.sort()
    if not lat:
        print(open(os.path.join(tmp, "daemon.log")).read())
        return f"{rate:6.0f} Hz: no onsets received (is the shim built? {SHIM})"
    p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
    out = (f"{rate:6.0f} Hz, 8 ch (Cyton frames): {len(lat)} onsets, daemon-added latency p50 {p(0.5):.0f} us, "
           f"p99 {p(0.99):.0f} us, max {lat[-1]:.0f} us")
    if floor:
        out += (f"; beside the echo floor of this run: p50 {p(0.5) - floor[0]:+.0f} us (goal <= +20), "
                f"p99 {p(0.99) - floor[1]:+.0f} us (goal <= +100)")
    return out


def baselines(n=2000):
    """The floor under any daemon: a pty hop (write master -> read slave) and a loopback UDP hop, each
    measured the same way in this process."""
    master, slave = os.openpty()
    tty.setraw(slave)
    pty = []
    for _ in range(n):
        t0 = time.perf_counter_ns()
        os.write(master, b"x" * 33)
        select.select([slave], [], [], 1)
        os.read(slave, 64)
        pty.append((time.perf_counter_ns() - t0) / 1000.0)
    os.close(master)
    os.close(slave)
    a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    b.bind(("127.0.0.1", 0))
    udp = []
    for _ in range(n):
        t0 = time.perf_counter_ns()
        a.sendto(b"/emg/m/onset\0\0\0\0,ii\0" + bytes(8), b.getsockname())
        b.recv(100)
        udp.append((time.perf_counter_ns() - t0) / 1000.0)
    out = []
    for name, v in (("pty hop", pty), ("loopback UDP hop", udp)):
        v.sort()
        out.append(f"{name} p50 {v[len(v) // 2]:.0f} us, p99 {v[int(0.99 * len(v))]:.0f} us")
    return "floor in this process: " + "; ".join(out)


ECHO = r"""
import os, select, socket, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_NOCTTY)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
to = ("127.0.0.1", int(sys.argv[2]))
while True:
    select.select([fd], [], [])
    if os.read(fd, 4096).endswith(b"\xc1"):
        s.sendto(b"/emg/m/onset\0\0\0\0,ii\0" + bytes(8), to)
"""


def echo_floor(n=300):
    """The same two hops through another process that does nothing but wait, read and send (a Python
    echo, so an upper bound): what any daemon pays on this machine to be woken twice."""
    master, slave = os.openpty()
    tty.setraw(slave)
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.bind(("127.0.0.1", 0))
    rx.settimeout(1)
    e = subprocess.Popen([sys.executable, "-c", ECHO, os.ttyname(slave), str(rx.getsockname()[1])])
    time.sleep(0.3)
    lat = []
    try:
        for k in range(n + 10):
            for _ in range(3):
                os.write(master, b"\xa0" + bytes(31) + b"\xc0")
                time.sleep(0.0005)
            t0 = time.perf_counter_ns()
            os.write(master, b"\xa0" + bytes(31) + b"\xc1")
            rx.recv(100)
            if k >= 10:
                lat.append((time.perf_counter_ns() - t0) / 1000.0)
            time.sleep(0.01)
    finally:
        e.kill()
        e.wait()
        os.close(master)
        os.close(slave)
    lat.sort()
    p50, p99 = lat[len(lat) // 2], lat[int(0.99 * len(lat))]
    return (f"floor through an idle echo process (pty -> wake -> read -> UDP -> wake): p50 {p50:.0f} us, "
            f"p99 {p99:.0f} us"), (p50, p99)


if __name__ == "__main__":
    print(baselines(), flush=True)
    text, floor = echo_floor()
    print(text, flush=True)
    for rate in (2000, 250):
        print(run(rate, floor), flush=True)
