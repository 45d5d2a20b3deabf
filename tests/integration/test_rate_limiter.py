"""The rate_limiter plugin end to end: per client IP, `requests` per sliding `window`
seconds, CONNECT included; beyond the limit a 429 with Retry-After that never reaches the
origin; clients counted apart by source address (127.0.0.1 vs 127.0.0.2); the tracked
clients capped by max_tracked_clients; bad settings refused at startup."""

import socket
import time
import unittest

from httpclient import TIMEOUT, Connection, ForwardProxyTestCase, request_bytes
from proxytest import ConfigDir, minimal_config, run_cli

PLUGINS = ["http_parser", "rate_limiter"]


class RateLimiterTestCase(ForwardProxyTestCase):
    def setUp(self):
        super().setUp()
        self.origin = self.start_origin()

    def start_limited(self, **settings):
        return self.start_proxy(enabled=PLUGINS, settings={"rate_limiter": settings})

    def open_from(self, proxy, source):
        """A connection to the proxy from the local address `source`."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.addCleanup(sock.close)
        sock.settimeout(TIMEOUT)
        sock.bind((source, 0))
        sock.connect((proxy.host, proxy.port))
        return Connection.from_socket(sock)

    def get(self, proxy, source="127.0.0.1"):
        conn = self.open_from(proxy, source)
        conn.send(request_bytes("GET", self.origin.url("/fixed"),
                                headers=[("Connection", "close")]))
        response = conn.read_response()
        self.assertIsNotNone(response, "proxy closed without answering")
        return response

    def connect(self, proxy, source="127.0.0.1"):
        """CONNECT to the origin; returns the response (the tunnel is closed after)."""
        conn = self.open_from(proxy, source)
        authority = self.origin.authority
        conn.send(f"CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n\r\n".encode())
        response = conn.read_response("CONNECT")
        self.assertIsNotNone(response, "proxy closed without answering CONNECT")
        return response

    def assert_rate_limited(self, response):
        self.assertEqual(response.status, 429, response)
        self.assertIn(b"rate limit exceeded", response.body)
        retry_after = response.header("Retry-After")
        self.assertIsNotNone(retry_after, response)
        self.assertRegex(retry_after, r"^[1-9][0-9]*$")
        return int(retry_after)


class Limit(RateLimiterTestCase):
    def test_three_pass_the_fourth_is_429_and_the_window_frees_it(self):
        proxy = self.start_limited(requests=3, window=1)
        for i in range(3):
            self.assertEqual(self.get(proxy).status, 200, f"request {i}")
        last_admitted = time.monotonic()
        retry_after = self.assert_rate_limited(self.get(proxy))
        self.assertEqual(retry_after, 1)  # at most one window, rounded up, at least 1
        self.assertEqual(len(self.origin.requests_for("/fixed")), 3, "a 429 reached the origin")

        # One full window after the last admitted request, the budget is back.
        time.sleep(max(0.0, last_admitted + 1.05 - time.monotonic()))
        for i in range(3):
            self.assertEqual(self.get(proxy).status, 200, f"request {i} after the window")
        self.assert_rate_limited(self.get(proxy))

    def test_connect_counts_as_a_request(self):
        proxy = self.start_limited(requests=3, window=1)
        self.assertEqual(self.get(proxy).status, 200)
        self.assertEqual(self.connect(proxy).status, 200)
        self.assertEqual(self.get(proxy).status, 200)
        self.assert_rate_limited(self.get(proxy))
        self.assert_rate_limited(self.connect(proxy))
        self.assertEqual(self.origin.connections_accepted, 3)

    def test_refused_requests_do_not_extend_the_wait(self):
        proxy = self.start_limited(requests=1, window=1)
        self.assertEqual(self.get(proxy).status, 200)
        admitted = time.monotonic()
        for _ in range(5):
            self.assert_rate_limited(self.get(proxy))
        time.sleep(max(0.0, admitted + 1.05 - time.monotonic()))
        self.assertEqual(self.get(proxy).status, 200)

    def test_retry_after_says_when_the_oldest_request_leaves_the_window(self):
        proxy = self.start_limited(requests=1, window=5)
        self.assertEqual(self.get(proxy).status, 200)
        # The oldest admitted request leaves the window 5 s after it came: the wait is
        # a bit under 5 s, rounded up.
        self.assertEqual(self.assert_rate_limited(self.get(proxy)), 5)
        time.sleep(2.1)
        self.assertEqual(self.assert_rate_limited(self.get(proxy)), 3)


class Clients(RateLimiterTestCase):
    def test_two_source_addresses_are_counted_apart(self):
        proxy = self.start_limited(requests=2, window=30)
        for source in ("127.0.0.1", "127.0.0.2"):
            self.assertEqual(self.get(proxy, source).status, 200, source)
            self.assertEqual(self.get(proxy, source).status, 200, source)
            self.assert_rate_limited(self.get(proxy, source))
        # Neither used the other's budget, and both stay limited.
        self.assert_rate_limited(self.get(proxy, "127.0.0.1"))
        self.assertEqual(self.get(proxy, "127.0.0.3").status, 200)

    def test_max_tracked_clients_forgets_the_least_recently_seen(self):
        proxy = self.start_limited(requests=1, window=30, max_tracked_clients=1)
        self.assertEqual(self.get(proxy, "127.0.0.1").status, 200)
        self.assert_rate_limited(self.get(proxy, "127.0.0.1"))
        # A second client takes the only slot: the first is forgotten, its limit over.
        self.assertEqual(self.get(proxy, "127.0.0.2").status, 200)
        self.assertEqual(self.get(proxy, "127.0.0.1").status, 200)
        self.assert_rate_limited(self.get(proxy, "127.0.0.1"))


class Settings(unittest.TestCase):
    def check_config(self, settings_yaml):
        configs = ConfigDir()
        self.addCleanup(configs.cleanup)
        path = configs.write("config.yaml", minimal_config(enabled=PLUGINS,
                                                           settings=settings_yaml))
        return run_cli("--check-config", "--config", path)

    def test_valid_settings_load(self):
        code, _, stderr = self.check_config(
            "rate_limiter:\n  requests: 3\n  window: 0.5\n  max_tracked_clients: 10\n")
        self.assertEqual(code, 0, stderr)

    def test_bad_settings_stop_startup_naming_the_key(self):
        cases = [
            ("requests", "requests: 0"),
            ("requests", "requests: -3"),
            ("requests", 'requests: "3"'),
            ("requests", "requests: 2.5"),
            ("window", "window: 0"),
            ("window", "window: -1"),
            ("window", "window: one"),
            ("max_tracked_clients", "max_tracked_clients: 0"),
            ("max_tracked_clients", "max_tracked_clients: [1]"),
            ("burst", "burst: 5"),
        ]
        for key, line in cases:
            with self.subTest(line=line):
                code, _, stderr = self.check_config(f"rate_limiter:\n  {line}\n")
                self.assertEqual(code, 2, stderr)
                self.assertIn(f"plugins.settings.rate_limiter.{key}", stderr)


if __name__ == "__main__":
    unittest.main()
