"""daemonproc: start the real myofeedd for an integration test and stop it, every wait bounded."""
import atexit
import signal
import subprocess
import tempfile

import oscmini

_running = []


@atexit.register
def _kill_leftovers():
    """A test that fails half-way must not leave a daemon behind."""
    for p in _running:
        if p.poll() is None:
            p.kill()
            p.wait()


class Daemon:
    def __init__(self, exe, *extra, cfg, port=None, prefix="/emg"):
        """Runs EXE -c CFG with the control port on loopback (a free one unless PORT is given); PREFIX is the
        osc.prefix the daemon was given, for the readiness ping."""
        self.port = port or oscmini.free_port()
        self.prefix = prefix
        self.err = tempfile.TemporaryFile()
        args = [exe, "-c", cfg, "-o", f"osc.control=127.0.0.1:{self.port}", *extra]
        self.proc = subprocess.Popen(args, stderr=self.err, stdout=subprocess.DEVNULL)
        _running.append(self.proc)
        self._wait_ready()

    def _wait_ready(self):
        probe = oscmini.Client()
        try:
            for _ in range(100):
                if self.proc.poll() is not None:
                    raise AssertionError(f"daemon exited with {self.proc.returncode}: {self.stderr()}")
                probe.send(self.port, self.prefix + "/ctl/ping", 1)
                if probe.wait_for(self.prefix + "/sys/pong", 0.05):
                    return
            raise AssertionError("daemon did not answer a ping within 5 s: " + self.stderr())
        finally:
            probe.close()

    def stderr(self):
        if self.err.closed:
            return self.err_text
        self.err.seek(0)
        return self.err.read().decode(errors="replace")

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("daemon did not stop within 10 s of " + str(sig))
        if not self.err.closed:
            self.err_text = self.stderr()
            self.err.close()
        return self.proc.returncode
