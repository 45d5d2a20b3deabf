"""File descriptors: the proxy raises its soft RLIMIT_NOFILE to what max_connections
needs (two descriptors per connection plus a reserve of 128), and where the hard limit
is lower it starts anyway, says once which cap fits, and enforces that cap cleanly.
The limits are set for the proxy alone with prlimit(1), which then execs it."""

import socket
import time
import unittest

from httpclient import ForwardProxyTestCase, request_bytes
from proxytest import PROXY_BIN, ProxyProcess, minimal_config

RESERVE = 128


def soft_nofile(pid):
    with open(f"/proc/{pid}/limits", encoding="utf-8") as f:
        for line in f:
            if line.startswith("Max open files"):
                return int(line.split()[3])
    raise AssertionError("no Max open files line")


class DescriptorLimits(ForwardProxyTestCase):
    def start_limited(self, soft, hard, max_connections):
        base = self.configs.write("base.yaml", minimal_config())
        extra = self.configs.write("limits.yaml",
                                   f"server:\n  max_connections: {max_connections}\n")
        proxy = ProxyProcess(f"--nofile={soft}:{hard}", PROXY_BIN, "--config", base,
                             "--config", extra, binary="prlimit")
        self.addCleanup(self._stop_proxy, proxy)
        return proxy

    def test_soft_limit_is_raised_to_what_the_cap_needs(self):
        proxy = self.start_limited(256, 4096, 1000)
        self.assertEqual(soft_nofile(proxy.proc.pid), 2 * 1000 + RESERVE)
        self.assertNotIn("file descriptors", proxy.stderr)

    def test_a_low_hard_limit_gives_one_warning_and_a_cap_that_holds(self):
        proxy = self.start_limited(300, 300, 10000)
        fits = (300 - RESERVE) // 2
        warnings = [line for line in proxy.stderr.splitlines() if "file descriptors" in line]
        self.assertEqual(len(warnings), 1, proxy.stderr)
        self.assertIn(f"max_connections 10000 needs {2 * 10000 + RESERVE}", warnings[0])
        self.assertIn("hard limit allows 300", warnings[0])
        self.assertIn(f"serving at most {fits} connections", warnings[0])

        held = []
        for _ in range(fits + 10):
            sock = socket.create_connection(("127.0.0.1", proxy.port), timeout=5)
            self.addCleanup(sock.close)
            held.append(sock)
        time.sleep(0.5)
        closed = 0
        for sock in held:
            sock.settimeout(0.05)
            try:
                closed += sock.recv(1) == b""
            except socket.timeout:
                pass
            except ConnectionResetError:
                closed += 1
        self.assertEqual(closed, 10, "connections past the cap that fits must be refused")
        for sock in held:
            sock.close()

        # Still serving once the connections are gone.
        origin = self.start_origin()
        deadline = time.monotonic() + 5
        while True:
            conn = self.connect(proxy)
            conn.send(request_bytes("GET", origin.url("/fixed")))
            response = conn.read_response()
            if response is not None or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        self.assertIsNotNone(response)
        self.assertEqual(response.status, 200)


if __name__ == "__main__":
    unittest.main()
