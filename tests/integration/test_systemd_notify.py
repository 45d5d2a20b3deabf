"""systemd's notify protocol with the real binary: the test plays systemd, with an AF_UNIX
datagram socket named by NOTIFY_SOCKET, and reads READY=1 once the proxy accepts,
RELOADING=1 with MONOTONIC_USEC then READY=1 around a reload (SIGHUP), and STOPPING=1 as
soon as SIGTERM starts the graceful stop."""

import os
import pathlib
import signal
import socket
import tempfile
import time
import unittest

from httpclient import ForwardProxyTestCase
from proxytest import ProxyProcess, minimal_config

HEALTH = b"GET /_health HTTP/1.1\r\nHost: proxy\r\n\r\n"
READY = b"GET /_ready HTTP/1.1\r\nHost: proxy\r\n\r\n"


class SystemdNotify(ForwardProxyTestCase):
    def setUp(self):
        super().setUp()
        folder = tempfile.TemporaryDirectory(prefix="proxy-notify-")
        self.addCleanup(folder.cleanup)
        self.socket_path = str(pathlib.Path(folder.name) / "notify")
        self.notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.addCleanup(self.notify.close)
        self.notify.bind(self.socket_path)

    def start_notifying_proxy(self, *more_configs):
        """The proxy on minimal_config, then each of `more_configs` (YAML text) merged."""
        args = ["--config", self.configs.write("notify.yaml", minimal_config())]
        for index, text in enumerate(more_configs):
            args += ["--config", self.configs.write(f"more{index}.yaml", text)]
        proxy = ProxyProcess(*args, env=dict(os.environ, NOTIFY_SOCKET=self.socket_path))
        self.addCleanup(self._stop_proxy, proxy)
        return proxy

    def next_message(self, timeout=10):
        """The next datagram as text; None when none comes within `timeout` seconds."""
        self.notify.settimeout(timeout)
        try:
            return self.notify.recv(4096).decode("utf-8")
        except socket.timeout:
            return None

    def test_ready_once_accepting_then_stopping_at_sigterm(self):
        proxy = self.start_notifying_proxy()
        self.assertEqual(self.next_message(), "READY=1")
        self.assertEqual(self.exchange(proxy, HEALTH).status, 200)
        self.assertIsNone(self.next_message(timeout=0.2), "one READY=1, nothing else")
        proxy.signal(signal.SIGTERM)
        self.assertEqual(self.next_message(), "STOPPING=1")
        self.assertEqual(proxy.wait(timeout=10), 0, proxy.stderr)
        self.assertIsNone(self.next_message(timeout=0.2))

    def test_stopping_comes_when_shutdown_begins_not_when_it_ends(self):
        proxy = self.start_notifying_proxy("server:\n  shutdown_delay: 3\n")
        self.assertEqual(self.next_message(), "READY=1")
        proxy.signal(signal.SIGTERM)
        signalled = time.monotonic()
        self.assertEqual(self.next_message(), "STOPPING=1")
        self.assertLess(time.monotonic() - signalled, 2.0)
        self.assertIsNone(proxy.proc.poll(), "still running through shutdown_delay")
        self.assertEqual(self.exchange(proxy, READY).status, 503)
        self.assertEqual(proxy.wait(timeout=10), 0, proxy.stderr)

    def wait_for_log(self, proxy, text, timeout=5):
        deadline = time.monotonic() + timeout
        while text not in proxy.stderr and time.monotonic() < deadline:
            time.sleep(0.02)
        self.assertIn(text, proxy.stderr)

    def assert_reload_notices(self, proxy):
        """SIGHUP: RELOADING=1 stamped with CLOCK_MONOTONIC at the reload's start, then
        READY=1 once it ended."""
        before = time.monotonic_ns() // 1000
        proxy.signal(signal.SIGHUP)
        reloading = self.next_message()
        after = time.monotonic_ns() // 1000
        self.assertIsNotNone(reloading, "no RELOADING=1 after SIGHUP")
        fields = dict(line.split("=", 1) for line in reloading.split("\n"))
        self.assertEqual(set(fields), {"RELOADING", "MONOTONIC_USEC"}, reloading)
        self.assertEqual(fields["RELOADING"], "1")
        self.assertTrue(before <= int(fields["MONOTONIC_USEC"]) <= after, (before, fields, after))
        self.assertEqual(self.next_message(), "READY=1")
        self.assertIsNone(self.next_message(timeout=0.2), "nothing more for one reload")

    def test_reload_is_bracketed_by_reloading_and_ready(self):
        proxy = self.start_notifying_proxy("logging:\n  level: info\n")
        self.assertEqual(self.next_message(), "READY=1")
        self.assert_reload_notices(proxy)
        self.wait_for_log(proxy, "configuration generation 2 loaded")
        # A reload that fails is bracketed the same way: systemd must not wait for READY.
        self.configs.write("more0.yaml", "logging: [not a map\n")
        self.assert_reload_notices(proxy)
        self.wait_for_log(proxy, "configuration reload failed, still serving generation 2")
        self.assertEqual(self.exchange(proxy, HEALTH).status, 200)
        proxy.signal(signal.SIGTERM)
        self.assertEqual(self.next_message(), "STOPPING=1")
        self.assertEqual(proxy.wait(timeout=10), 0, proxy.stderr)

    def test_without_notify_socket_nothing_is_sent(self):
        config = self.configs.write("plain.yaml", minimal_config())
        environment = {k: v for k, v in os.environ.items() if k != "NOTIFY_SOCKET"}
        proxy = ProxyProcess("--config", config, env=environment)
        self.addCleanup(self._stop_proxy, proxy)
        self.assertEqual(self.exchange(proxy, HEALTH).status, 200)
        self.assertEqual(proxy.stop(), 0, proxy.stderr)
        self.assertIsNone(self.next_message(timeout=0.2))
        self.assertNotIn("service manager", proxy.stderr)


if __name__ == "__main__":
    unittest.main()
