#!/usr/bin/env python3
"""soak: what the daemon holds over a long run (a benchmark that prints numbers, not a timed test).

16 channels at 2 kHz from the fake amplifier (ASCII over a pty) with 1 % byte corruption, the amplifier unplugged
and plugged in again CYCLES times (its process killed and started again on the same link), one client flooding
the control port with pings while another subscribes, renews, and asks for a threshold change every second.

Prints: RSS at start and end, false onsets at rest (muscles 5-16: the synthetic patient moves channels 1-4 only;
goal 0), gaps between frames over 2 ticks outside the unplugged stretches (goal none), and the working client's
replies (goal: all).

usage: bench/soak.py [--minutes 10] [--cycles 20] [--bin build/bin] [--shim build/tests/pty_shim.so]
"""
import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
import oscmini  # noqa: E402

CHAIN = """
    filters  = ( { plugin = "butterworth"; type = "bandpass"; order = 2; low_hz = 20.0; high_hz = 450.0; },
                 { plugin = "notch"; freq_hz = "auto"; q = 30.0; harmonics = 3; } );
    envelope = { plugin = "linear-envelope"; cutoff_hz = 80.0; order = 1; };
    detector = { plugin = "cusum"; on = 1.7; off = 1.7; min_off_ms = 250.0; };"""


def config(path, link, store):
    muscles = ",\n".join(f'  {{ name = "m{i:02d}"; channel = {i};{CHAIN} }}' for i in range(1, 17))
    with open(path, "w") as f:
        f.write(f"""source = {{ type = "serial"; port = "{link}"; baud = 115200; decoder = "ascii";
  sample_rate = 2000.0; watchdog_ms = 1000.0; options = {{ channels = 16; offset = 512.0; }}; }};
session = {{ dir = "{store}"; }};
muscles = (
{muscles}
);
""")


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--cycles", type=int, default=20)
    ap.add_argument("--bin", default=os.path.join(HERE, "..", "build", "bin"))
    ap.add_argument("--shim", default=os.path.join(HERE, "..", "build", "tests", "pty_shim.so"))
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="myofeed-soak-")
    link = os.path.join(tmp, "amp")
    cfg = os.path.join(tmp, "soak.cfg")
    config(cfg, link, os.path.join(tmp, "store"))
    port = oscmini.free_port()
    amp_cmd = [os.path.join(a.bin, "myofeed-fakeamp"), "--format", "ascii", "--channels", "16", "--rate", "2000",
               "--corrupt", "0.01", "--link", link]
    amp = subprocess.Popen(amp_cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        if os.path.islink(link):
            break
        time.sleep(0.02)
    log = open(os.path.join(tmp, "daemon.log"), "w")
    d = subprocess.Popen([os.path.join(a.bin, "myofeedd"), "-c", cfg, "-o", f"osc.control=127.0.0.1:{port}"],
                         stderr=log, env=dict(os.environ, LD_PRELOAD=os.path.abspath(a.shim)))
    stop = threading.Event()
    flood_sent = [0]

    def flood():
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setblocking(False)
        msg = oscmini.encode("/emg/ctl/ping", 1)
        while not stop.is_set():
            for _ in range(50):
                try:
                    s.sendto(msg, ("127.0.0.1", port))
                    flood_sent[0] += 1
                except BlockingIOError:
                    pass
            time.sleep(0.01)  # about 5000 a second
        s.close()

    c = oscmini.Client()
    c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    time.sleep(1.0)
    t_start = time.monotonic()
    rss0 = rss_kb(d.pid)
    threading.Thread(target=flood, daemon=True).start()
    end = t_start + a.minutes * 60
    period = (end - t_start) / max(1, a.cycles + 1)
    next_unplug = t_start + period
    unplugged = []  # (from, to) monotonic
    cycles = 0
    asked = answered = 0
    false_onsets = 0
    gaps = 0
    last_frame = None
    next_ask = t_start
    lost = []
    while time.monotonic() < end:
        now = time.monotonic()
        if now >= next_ask:
            c.send(port, "/emg/ctl/subscribe", "frame")
            c.send(port, "/emg/ctl/threshold", "m16", 1.7, 1.7)
            asked += 1
            next_ask = now + 1.0
        if cycles < a.cycles and now >= next_unplug:
            amp.send_signal(signal.SIGKILL)
            amp.wait()
            t0 = time.monotonic()
            time.sleep(1.0)
            amp = subprocess.Popen(amp_cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            unplugged.append((t0, time.monotonic() + 6.0))  # the reconnect's back-off and settling
            cycles += 1
            next_unplug += period
        for m in c.recv_all(0.05):
            if m[1] == "/emg/sys/ok" and m[3] == ["/emg/ctl/threshold"]:
                answered += 1
            elif m[1].endswith("/onset"):
                n = int(m[1].split("/")[2][1:])
                if n > 4:
                    false_onsets += 1
            elif m[1] == "/emg/frame/act":
                if last_frame is not None and m[0] - last_frame > 2 * 0.02:
                    if not any(u0 - 0.1 <= m[0] <= u1 for u0, u1 in unplugged):
                        gaps += 1
                        lost.append(round(m[0] - last_frame, 3))
                last_frame = m[0]
    stop.set()
    time.sleep(0.3)
    for m in c.recv_all(1.0):
        if m[1] == "/emg/sys/ok" and m[3] == ["/emg/ctl/threshold"]:
            answered += 1
    rss1 = rss_kb(d.pid)
    d.send_signal(signal.SIGTERM)
    rc = d.wait(20)
    amp.kill()
    amp.wait()
    c.close()
    log.close()
    minutes = (time.monotonic() - t_start) / 60
    print(f"soak: {minutes:.1f} min, 16 channels at 2 kHz, 1 % byte corruption, {cycles} unplug/replug cycles, "
          f"{flood_sent[0]} flood pings from another client")
    print(f"  RSS: {rss0} kB at start, {rss1} kB at the end ({rss1 - rss0:+d} kB)")
    print(f"  false onsets at rest (muscles 5-16): {false_onsets} (goal 0)")
    print(f"  frame gaps over 2 ticks outside unplugged stretches: {gaps} (goal 0){' ' + str(lost[:10]) if lost else ''}")
    print(f"  the working client's threshold replies: {answered} of {asked} (goal all)")
    print(f"  daemon exit: {rc} (log: {tmp}/daemon.log)")
    if rc == 0:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
