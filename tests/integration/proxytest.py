"""Helpers shared by the integration tests: start the real proxy-server binary on a free
loopback port with a config written for the test, and stop it by its PID."""

import os
import re
import signal
import socket
import subprocess
import tempfile
import textwrap
import threading
import unittest

PROXY_BIN = os.environ.get("PROXY_BIN", "")
SOURCE_DIR = os.environ.get("PROXY_SOURCE_DIR", "")
PLUGIN_DIR = os.environ.get("PROXY_PLUGIN_DIR", "")

LISTENING = re.compile(r"listening on (\S+):(\d+)")
# The first line of a sanitizer report (ASan, LSan, TSan, UBSan) in the proxy's stderr.
SANITIZER_REPORT = re.compile(r"^==\d+==ERROR: \w+Sanitizer|^WARNING: ThreadSanitizer:|"
                              r": runtime error: ", re.MULTILINE)


def run_cli(*args, cwd=None, timeout=30, binary=None):
    """Runs the binary (PROXY_BIN unless `binary` names another) to completion; returns
    (exit code, stdout, stderr)."""
    done = subprocess.run([binary or PROXY_BIN, *args], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    return done.returncode, done.stdout, done.stderr


def minimal_config(extra="", port=0, enabled=("http_parser",), settings=""):
    """A config that loads the built plugins and listens on a free loopback port.
    `extra` adds top-level sections other than server and plugins; `settings` is the
    YAML under plugins.settings."""
    enabled_list = ", ".join(enabled)
    text = textwrap.dedent(f"""\
        server:
          listen: 127.0.0.1
          port: {port}
          workers: 2
          shutdown_grace: 5
        plugins:
          dirs: ["{PLUGIN_DIR}"]
          enabled: [{enabled_list}]
        """)
    if settings:
        text += "  settings:\n" + textwrap.indent(textwrap.dedent(settings), "    ")
    return text + textwrap.dedent(extra)


class ConfigDir:
    """A temporary folder holding config files written by a test."""

    def __init__(self):
        self._dir = tempfile.TemporaryDirectory(prefix="proxy-test-")
        self.path = self._dir.name

    def write(self, name, text):
        path = os.path.join(self.path, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def cleanup(self):
        self._dir.cleanup()


class ProxyProcess:
    """The real binary, started in the background; waits until it is listening. A thread
    drains its stderr so a chatty proxy never blocks on a full pipe."""

    def __init__(self, *args, startup_timeout=20, binary=None, env=None):
        """`env` (a dict) replaces the environment the binary runs with."""
        self.stderr_lines = []
        self._listening = threading.Event()
        self.host, self.port = None, None
        self.proc = subprocess.Popen([binary or PROXY_BIN, *args], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                     env=env)
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()
        if not self._listening.wait(startup_timeout) or self.port is None:
            self.kill()
            raise AssertionError("proxy did not start listening:\n" + self.stderr)

    def _drain(self):
        for line in self.proc.stderr:
            self.stderr_lines.append(line)
            match = LISTENING.search(line)
            if match and not self._listening.is_set():
                self.host, self.port = match.group(1), int(match.group(2))
                self._listening.set()
        # EOF: the process ended; release a waiter that is still waiting.
        self._listening.set()

    def signal(self, signum):
        self.proc.send_signal(signum)

    def wait(self, timeout=30):
        code = self.proc.wait(timeout=timeout)
        self._reader.join(timeout=5)
        return code

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def stop(self, timeout=30):
        """SIGTERM, then the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.wait(timeout)

    @property
    def stderr(self):
        return "".join(self.stderr_lines)


def stop_process(proc, timeout=10, log=None):
    """Ends a helper process the test started (a balancer, a parent proxy): SIGTERM, up
    to `timeout` seconds to exit, then SIGKILL; closes its `log` file, if given."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
    if log is not None:
        log.close()


def check_no_sanitizer_report(stderr):
    """Fails when a proxy's stderr holds a sanitizer report: a race or a leak found while
    a test's last connection closed, or at exit, must fail the test too."""
    if SANITIZER_REPORT.search(stderr):
        raise AssertionError("the proxy printed a sanitizer report:\n" + stderr)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ProxyTestCase(unittest.TestCase):
    def setUp(self):
        self.assertTrue(PROXY_BIN and os.path.exists(PROXY_BIN), "PROXY_BIN must name the binary")
        self.configs = ConfigDir()
        self.addCleanup(self.configs.cleanup)
