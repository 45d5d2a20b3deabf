"""The rate_limiter plugin end to end: per client IP, `requests` per sliding `window`
seconds (a sliding-window counter), CONNECT included; beyond the limit a 429 with the
Retry-After the counter's arithmetic predicts, and nothing reaches the origin; clients
counted apart by source address (127.0.0.1 vs 127.0.0.2); the tracked clients capped by
max_tracked_clients; any `requests` up to 2^32 - 1 accepted; bad settings refused.

The counter's fixed windows are aligned on multiples of `window` on the monotonic clock
(CLOCK_MONOTONIC, which time.monotonic_ns() reads too), so a test that counts requests
first waits for a window with room for all of them (fresh_window)."""

import math
import socket
import time
import unittest

from httpclient import TIMEOUT, Connection, ForwardProxyTestCase, request_bytes
from proxytest import ConfigDir, minimal_config, run_cli

PLUGINS = ["http_parser", "rate_limiter"]
MAX_REQUESTS = 4294967295  # 2^32 - 1


def now_ms():
    """The proxy's clock, in the counter's unit (milliseconds, rounded down)."""
    return time.monotonic_ns() // 1_000_000


def sleep_until_ms(deadline_ms):
    time.sleep(max(0.0, (deadline_ms - time.monotonic_ns() / 1e6) / 1000))


class CounterModel:
    """The sliding-window counter from its definition, brute force: admitted counts per
    fixed window, and a request at t admitted when
    current + floor(previous x remaining / window) < requests."""

    def __init__(self, requests, window_ms):
        self.requests = requests
        self.window = window_ms
        self.admitted = {}  # fixed window index -> admitted requests

    def count(self, t):
        self.admitted[t // self.window] = self.admitted.get(t // self.window, 0) + 1

    def admits(self, t):
        index, remaining = t // self.window, self.window - t % self.window
        weighted = self.admitted.get(index - 1, 0) * remaining // self.window
        return self.admitted.get(index, 0) + weighted < self.requests

    def wait_ms(self, t):
        """Milliseconds from a refusal at t to the first admitting millisecond."""
        later = t + 1
        while not self.admits(later):
            later += 1
        return later - t


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

    def fresh_window(self, window, needed):
        """The start (ms) of a fixed window with at least `needed` seconds left, waiting
        for the next one when the current one is too short; returns at least 50 ms into
        it, so no request lands on the window's first millisecond."""
        span = round(window * 1000)
        start = now_ms() // span * span
        if start + span - now_ms() < needed * 1000:
            start += span
        sleep_until_ms(start + 50)
        return start

    def timed_get(self, proxy):
        """A GET and the interval (ms) within which the proxy decided it."""
        sent = now_ms()
        response = self.get(proxy)
        return response, sent, now_ms()

    def assert_rate_limited(self, response):
        self.assertEqual(response.status, 429, response)
        self.assertIn(b"rate limit exceeded", response.body)
        retry_after = response.header("Retry-After")
        self.assertIsNotNone(retry_after, response)
        self.assertRegex(retry_after, r"^[1-9][0-9]*$")
        return int(retry_after)


class Limit(RateLimiterTestCase):
    def test_three_pass_the_fourth_is_429_and_a_quiet_window_frees_it(self):
        proxy = self.start_limited(requests=3, window=1)
        start = self.fresh_window(1, needed=0.8)
        for i in range(3):
            self.assertEqual(self.get(proxy).status, 200, f"request {i}")
        retry_after = self.assert_rate_limited(self.get(proxy))
        # The whole budget is in this window: the wait is the rest of it and 1 ms.
        self.assertEqual(retry_after, 1)
        self.assertEqual(len(self.origin.requests_for("/fixed")), 3, "a 429 reached the origin")

        # After one whole fixed window without an admitted request the budget is back.
        sleep_until_ms(start + 2000 + 50)
        for i in range(3):
            self.assertEqual(self.get(proxy).status, 200, f"request {i} after the window")
        self.assert_rate_limited(self.get(proxy))

    def test_connect_counts_as_a_request(self):
        proxy = self.start_limited(requests=3, window=10)
        self.fresh_window(10, needed=3)
        self.assertEqual(self.get(proxy).status, 200)
        self.assertEqual(self.connect(proxy).status, 200)
        self.assertEqual(self.get(proxy).status, 200)
        self.assert_rate_limited(self.get(proxy))
        self.assert_rate_limited(self.connect(proxy))
        self.assertEqual(self.origin.connections_accepted, 3)

    def test_refused_requests_do_not_extend_the_wait(self):
        proxy = self.start_limited(requests=1, window=1)
        start = self.fresh_window(1, needed=0.8)
        self.assertEqual(self.get(proxy).status, 200)
        for _ in range(5):
            self.assertEqual(self.assert_rate_limited(self.get(proxy)), 1)
        # Had the refusals counted, they would weigh on the next window too.
        sleep_until_ms(start + 1000 + 50)
        self.assertEqual(self.get(proxy).status, 200)

    def test_retry_after_is_what_the_counter_predicts(self):
        requests, window = 2, 4
        model = CounterModel(requests, window * 1000)
        proxy = self.start_limited(requests=requests, window=window)
        start = self.fresh_window(window, needed=3.5)

        def expect(status, at_least_ms=None):
            """A GET answered `status`; for a 429, Retry-After must be the model's wait
            rounded up, for a decision anywhere in the request's interval."""
            response, sent, received = self.timed_get(proxy)
            self.assertEqual(response.status, status, response)
            if status == 200:
                self.assertEqual(sent // model.window, received // model.window,
                                 "an admitted request straddled a window boundary")
                model.count(sent)
                return None
            retry_after = self.assert_rate_limited(response)
            for t in (sent, received):
                self.assertFalse(model.admits(t), f"the model admits at {t}")
            earliest = math.ceil(model.wait_ms(received) / 1000)
            latest = math.ceil(model.wait_ms(sent) / 1000)
            self.assertTrue(earliest <= retry_after <= latest,
                            f"Retry-After {retry_after}, predicted {earliest}..{latest}")
            if at_least_ms is not None:
                self.assertGreaterEqual(model.wait_ms(received), at_least_ms)
            return retry_after

        # Both admitted in one window: nothing until 1 ms after it ends (~3.95 s).
        expect(200)
        expect(200)
        self.assertEqual(expect(429), window)

        # 200 ms into the next window the two weigh floor(2 x 3800/4000) = 1: one more
        # is admitted, then the next waits for remaining < 2000 ms, i.e. 2001 ms in.
        sleep_until_ms(start + 4000 + 200)
        expect(200)
        self.assertEqual(expect(429, at_least_ms=1000), 2)
        sleep_until_ms(start + 4000 + 1900)
        self.assertEqual(expect(429), 1)
        sleep_until_ms(start + 4000 + 2001 + 50)
        expect(200)


class Clients(RateLimiterTestCase):
    def test_two_source_addresses_are_counted_apart(self):
        proxy = self.start_limited(requests=2, window=30)
        self.fresh_window(30, needed=5)
        for source in ("127.0.0.1", "127.0.0.2"):
            self.assertEqual(self.get(proxy, source).status, 200, source)
            self.assertEqual(self.get(proxy, source).status, 200, source)
            self.assert_rate_limited(self.get(proxy, source))
        # Neither used the other's budget, and both stay limited.
        self.assert_rate_limited(self.get(proxy, "127.0.0.1"))
        self.assertEqual(self.get(proxy, "127.0.0.3").status, 200)

    def test_max_tracked_clients_forgets_the_least_recently_seen(self):
        proxy = self.start_limited(requests=1, window=30, max_tracked_clients=1)
        self.fresh_window(30, needed=5)
        self.assertEqual(self.get(proxy, "127.0.0.1").status, 200)
        self.assert_rate_limited(self.get(proxy, "127.0.0.1"))
        # A second client takes the only slot: the first is forgotten, its limit over.
        self.assertEqual(self.get(proxy, "127.0.0.2").status, 200)
        self.assertEqual(self.get(proxy, "127.0.0.1").status, 200)
        self.assert_rate_limited(self.get(proxy, "127.0.0.1"))


class LargeLimits(RateLimiterTestCase):
    def test_the_largest_requests_with_many_tracked_clients_starts_and_serves(self):
        # A log of request times refused this at startup (over 4 GiB worst case); the
        # counter costs the same per client whatever `requests` is.
        proxy = self.start_limited(requests=MAX_REQUESTS, window=86400,
                                   max_tracked_clients=100000)
        for i in range(20):
            self.assertEqual(self.get(proxy).status, 200, f"request {i}")
        self.assertEqual(self.connect(proxy).status, 200)
        self.assertEqual(self.get(proxy, "127.0.0.2").status, 200)
        self.assertEqual(len(self.origin.requests_for("/fixed")), 21)


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

    def test_any_requests_up_to_2_to_the_32_minus_1_loads(self):
        for requests in (1, 1000001, MAX_REQUESTS):
            with self.subTest(requests=requests):
                code, _, stderr = self.check_config(
                    f"rate_limiter:\n  requests: {requests}\n"
                    "  max_tracked_clients: 100000000\n")
                self.assertEqual(code, 0, stderr)

    def test_bad_settings_stop_startup_naming_the_key(self):
        cases = [
            ("requests", "requests: 0"),
            ("requests", "requests: -3"),
            ("requests", 'requests: "3"'),
            ("requests", "requests: 2.5"),
            ("requests", "requests: 4294967296"),
            ("requests", "requests: 18446744073709551616"),
            ("requests", "requests: 1e3"),
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

    def test_requests_error_states_the_range(self):
        code, _, stderr = self.check_config("rate_limiter:\n  requests: 4294967296\n")
        self.assertEqual(code, 2, stderr)
        self.assertIn("plugins.settings.rate_limiter.requests: expected an integer from 1 to "
                      "4294967295", stderr)


if __name__ == "__main__":
    unittest.main()
