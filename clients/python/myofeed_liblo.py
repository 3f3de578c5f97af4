#!/usr/bin/python3
"""myofeed in Python with python3-liblo (Debian 12: python3-liblo 0.10): subscribes from its own socket
(renewed every 3 s), prints onsets, offsets and reps, and the daemon's state when it changes. Bundles are
unpacked by liblo, so it asks for "muscles+bundle".
    /usr/bin/python3 clients/python/myofeed_liblo.py [HOST:PORT] [SECONDS]     (default 127.0.0.1:17700, forever)
Tested with Debian 12's python3-liblo against myofeedd: tests/integration/test_clients.py."""
import sys
import time

import liblo


def main():
    host, port = (sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:17700").rsplit(":", 1)
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else float("inf")
    daemon = liblo.Address(host, int(port))
    server = liblo.Server(0)  # any free port: the daemon answers the socket that subscribes
    state = {"name": None}

    def heartbeat(path, args):
        if args[2] != state["name"]:
            state["name"] = args[2]
            print(f"myofeed: {args[2]}", flush=True)

    def event(path, args):
        muscle, what = path.split("/")[2:4]
        if what == "onset":
            print(f"{muscle} onset #{args[0]} at {args[1] / 1000:.2f} s", flush=True)
        elif what == "offset":
            print(f"{muscle} offset #{args[0]}: held {args[2]:.1f} s, peak {args[3] * 100:.0f} %", flush=True)
        elif what == "rep":
            print(f"{muscle} rep {args[0]}", flush=True)

    def anything(path, args, types, src):
        parts = path.split("/")
        if path == "/emg/sys/heartbeat" and types == "iis":
            heartbeat(path, args)
        elif len(parts) == 4 and parts[3] in ("onset", "offset", "rep"):
            event(path, args)

    server.add_method(None, None, anything)
    end, renew = time.monotonic() + seconds, 0.0
    try:
        while time.monotonic() < end:
            if time.monotonic() >= renew:
                server.send(daemon, "/emg/ctl/subscribe", "muscles+bundle")
                renew = time.monotonic() + 3.0
            server.recv(50)
    except KeyboardInterrupt:
        pass
    finally:
        server.send(daemon, "/emg/ctl/unsubscribe")


if __name__ == "__main__":
    main()
