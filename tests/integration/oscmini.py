"""oscmini: just enough OSC 1.0 (i, f, s, d) over UDP for the integration tests. Standard library only."""
import socket
import struct
import time


def _pad(b):
    return b + b"\0" * (4 - len(b) % 4)


def encode(path, *args, types=None):
    if types is None:
        types = "".join("i" if isinstance(a, int) else "f" if isinstance(a, float) else "s" for a in args)
    out = _pad(path.encode()) + _pad(("," + types).encode())
    for t, a in zip(types, args):
        if t == "i":
            out += struct.pack(">i", a)
        elif t == "f":
            out += struct.pack(">f", a)
        elif t == "d":
            out += struct.pack(">d", a)
        elif t == "s":
            out += _pad(a.encode())
    return out


def _str(b, i):
    j = b.index(b"\0", i)
    return b[i:j].decode(), (j + 4) & ~3


def decode(b):
    path, i = _str(b, 0)
    types, i = _str(b, i)
    assert types.startswith(","), types
    args = []
    for t in types[1:]:
        if t == "i":
            args.append(struct.unpack(">i", b[i:i + 4])[0])
            i += 4
        elif t == "f":
            args.append(struct.unpack(">f", b[i:i + 4])[0])
            i += 4
        elif t == "s":
            s, i = _str(b, i)
            args.append(s)
        else:
            raise ValueError(f"unexpected type tag {t!r} in {path}")
    return path, types[1:], args


def decode_packet(b):
    """A datagram's messages as [(path, types, args, bundled)]: a message, or an OSC bundle's elements (nested
    bundles too). A bundle must carry the immediate timetag (1), as the daemon sends it."""
    if not b.startswith(b"#bundle\0"):
        return [(*decode(b), False)]
    assert len(b) >= 16, "a bundle without its timetag"
    tt = struct.unpack(">Q", b[8:16])[0]
    assert tt == 1, f"bundle timetag {tt:#x}, not immediate"
    out, i = [], 16
    while i < len(b):
        n = struct.unpack(">i", b[i:i + 4])[0]
        assert n > 0 and n % 4 == 0 and i + 4 + n <= len(b), f"bad bundle element size {n} at {i} of {len(b)}"
        out += [(p, t, a, True) for p, t, a, _ in decode_packet(b[i + 4:i + 4 + n])]
        i += 4 + n
    return out


class Client:
    """A UDP OSC peer on an ephemeral loopback port."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]

    def send(self, port, path, *args, types=None):
        self.sock.sendto(encode(path, *args, types=types), ("127.0.0.1", port))

    def send_raw(self, port, data):
        self.sock.sendto(data, ("127.0.0.1", port))

    def recv_all(self, seconds, stop=None):
        """Collects (time, path, types, args, datagram size, from a bundle) for `seconds` (or until stop(msg) is true)."""
        out = []
        end = time.monotonic() + seconds
        while True:
            left = end - time.monotonic()
            if left <= 0:
                break
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                break
            now, done = time.monotonic(), False
            for path, types, args, bundled in decode_packet(data):
                msg = (now, path, types, args, len(data), bundled)
                out.append(msg)
                done = done or bool(stop and stop(msg))
            if done:
                break
        return out

    def wait_for(self, path, seconds=3.0):
        msgs = self.recv_all(seconds, stop=lambda m: m[1] == path)
        hits = [m for m in msgs if m[1] == path]
        return hits[-1] if hits else None

    def close(self):
        self.sock.close()


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p
