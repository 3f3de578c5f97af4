"""daemonproc: start the real myofeedd for an integration test and stop it, every wait bounded."""
import atexit
import shutil
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
    def __init__(self, exe, *extra, cfg, port=None, prefix="/emg", store=None):
        """Runs EXE -c CFG with the control port on loopback (a free one unless PORT is given); PREFIX is the
        osc.prefix the daemon was given, for the readiness ping. The session store is STORE, or a scratch folder of
        its own (removed at stop), so no test sees another's patients."""
        self.port = port or oscmini.free_port()
        self.prefix = prefix
        self.err = tempfile.TemporaryFile()
        self.scratch = None
        if store is None and not any(str(a).startswith("session.dir=") for a in extra):
            store = self.scratch = tempfile.mkdtemp(prefix="myofeed-store-")
        self.store = store
        args = [exe, "-c", cfg, "-o", f"osc.control=127.0.0.1:{self.port}", *extra]
        if store is not None:
            args += ["-o", f"session.dir={store}"]
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
        if self.scratch:
            shutil.rmtree(self.scratch, ignore_errors=True)
            self.scratch = None
            self.err.close()
        return self.proc.returncode
