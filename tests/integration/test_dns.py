"""Upstream name resolution with the real binary: upstream.dns.servers points at a name
server of the test's own (dnsserver.py, UDP on loopback), whose names resolve to
127.0.0.1 where a test origin listens. A slow name delays no other request, a silent one
is 504 within upstream.dns.timeout, answers are cached for their TTL and no longer, one
lookup serves every request waiting for the name, NXDOMAIN is 502, and the destination
policy judges every address an answer gives."""

import concurrent.futures
import socket
import time
import unittest

from dnsserver import DnsServer
from httpclient import ForwardProxyTestCase, is_sanitizer_build, request_bytes
from origins import FIXED_BODY
from test_metrics import Metrics

SCRAPE = b"GET /_metrics HTTP/1.1\r\nHost: proxy\r\n\r\n"
# Sanitizers slow the proxy several times over; the bounds below stay far from the
# delays they are measured against either way.
SLACK = 3 if is_sanitizer_build() else 1


class DnsTestCase(ForwardProxyTestCase):
    def setUp(self):
        super().setUp()
        self.dns = DnsServer()
        self.addCleanup(self.dns.close)
        self.origin = self.start_origin()

    def start_dns_proxy(self, server=None, timeouts=None, enabled=None, **dns):
        settings = {"servers": [self.dns.address], **dns}
        return self.start_proxy(server=server, timeouts=timeouts, upstream={"dns": settings},
                                enabled=enabled)

    def get(self, proxy, host, path="/fixed", port=None):
        url = f"http://{host}:{self.origin.port if port is None else port}{path}"
        return self.exchange(proxy, request_bytes("GET", url))

    def assert_fixed(self, response):
        self.assertEqual(response.status, 200, response)
        self.assertEqual(response.body, FIXED_BODY)

    def scrape(self, proxy):
        return Metrics(self.exchange(proxy, SCRAPE))


class Resolving(DnsTestCase):
    def test_a_name_reaches_the_address_the_server_gives(self):
        self.dns.add("origin.test", a=["127.0.0.1"])
        proxy = self.start_dns_proxy()
        self.assert_fixed(self.get(proxy, "origin.test"))
        self.assertEqual(self.origin.requests_for("/fixed")[0].header("Host"),
                         f"origin.test:{self.origin.port}")
        # Both families are asked, once each.
        self.assertEqual(self.dns.questions("origin.test", "A"), 1)
        self.assertEqual(self.dns.questions("origin.test", "AAAA"), 1)

        conn = self.connect(proxy)
        conn.send(f"CONNECT origin.test:{self.origin.port} HTTP/1.1\r\n"
                  f"Host: origin.test:{self.origin.port}\r\n\r\n".encode())
        self.assertEqual(conn.read_response("CONNECT").status, 200)
        conn.send(b"GET /fixed HTTP/1.1\r\nHost: origin.test\r\n\r\n")
        self.assertEqual(conn.read_response().body, FIXED_BODY)

    def test_ipv6_is_tried_first_and_ipv4_after_it(self):
        """The origin listens on 127.0.0.1 only: ::1 is refused, 127.0.0.1 serves."""
        self.dns.add("dual.test", a=["127.0.0.1"], aaaa=["::1"])
        v6_origin = self.start_origin(host="::1")
        self.dns.add("v6.test", aaaa=["::1"])
        proxy = self.start_dns_proxy()
        self.assert_fixed(self.get(proxy, "dual.test"))
        self.assert_fixed(self.get(proxy, "v6.test", port=v6_origin.port))
        self.assertEqual(len(v6_origin.requests_for("/fixed")), 1)

    def test_names_are_case_insensitive_and_may_end_with_a_dot(self):
        self.dns.add("case.test", a=["127.0.0.1"])
        proxy = self.start_dns_proxy()
        self.assert_fixed(self.get(proxy, "Case.TEST"))
        self.assert_fixed(self.get(proxy, "case.test."))
        self.assertEqual(self.dns.questions("case.test", "A"), 1)  # one cache entry

    def test_etc_hosts_is_read_before_the_servers(self):
        proxy = self.start_dns_proxy()
        self.assert_fixed(self.get(proxy, "localhost"))
        self.assertEqual(self.dns.questions("localhost"), 0)

    def test_literals_are_never_looked_up(self):
        proxy = self.start_dns_proxy()
        for host in ("127.0.0.1", "127.1", "2130706433"):
            with self.subTest(host=host):
                self.assert_fixed(self.get(proxy, host))
        self.assertEqual(self.dns.questions("127.1"), 0)
        self.assertEqual(self.dns.questions("2130706433"), 0)

    def test_no_such_name_is_502(self):
        proxy = self.start_dns_proxy(enabled=["http_parser", "metrics"])
        response = self.get(proxy, "missing.test")
        self.assertEqual(response.status, 502, response)
        self.assertIn(b"cannot resolve missing.test", response.body)
        self.assertTrue(response.closes())
        self.dns.add("empty.test")  # the name exists, with no address
        self.assertEqual(self.get(proxy, "empty.test").status, 502)
        metrics = self.scrape(proxy)
        self.assertEqual(metrics.value("proxy_dns_lookups_total", result="failed"), 2)
        self.assertEqual(metrics.value("proxy_dns_lookups_total", result="ok"), 0)


class SlowAndSilentNames(DnsTestCase):
    def test_a_slow_name_delays_no_other_request(self):
        """While one name takes 5 s to answer, 100 requests for 100 other names all
        succeed at once, on both io threads; then the slow one succeeds too."""
        self.dns.add("slow.test", a=["127.0.0.1"], delay=5)
        for i in range(100):
            self.dns.add(f"fast-{i}.test", a=["127.0.0.1"])
        proxy = self.start_dns_proxy(timeout=10)
        slow = self.connect(proxy, timeout=15)
        slow_sent = time.monotonic()
        slow.send(request_bytes("GET", f"http://slow.test:{self.origin.port}/fixed"))
        deadline = time.monotonic() + 2
        while self.dns.questions("slow.test", "A") == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        self.assertEqual(self.dns.questions("slow.test", "A"), 1)

        started = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(max_workers=10) as pool:
            responses = list(pool.map(lambda i: self.get(proxy, f"fast-{i}.test"), range(100)))
        took = time.monotonic() - started
        for response in responses:
            self.assert_fixed(response)
        self.assertLess(took, 2.5 * SLACK, f"100 fast names took {took:.2f} s")
        self.assertLess(time.monotonic() - slow_sent, 5, "the slow name answered already")

        response = slow.read_response()
        waited = time.monotonic() - slow_sent
        self.assert_fixed(response)
        self.assertGreaterEqual(waited, 4.9)

    def test_a_name_never_answered_is_504_within_the_timeout(self):
        self.dns.add("silent.test", silent=True)
        self.dns.add("fine.test", a=["127.0.0.1"])
        proxy = self.start_dns_proxy(timeout=1.5, enabled=["http_parser", "metrics"])
        started = time.monotonic()
        response = self.get(proxy, "silent.test")
        took = time.monotonic() - started
        self.assertEqual(response.status, 504, response)
        self.assertIn(b"name resolution timed out", response.body)
        self.assertGreaterEqual(took, 1.4)
        self.assertLess(took, 1.5 + 1.0 * SLACK)
        self.assertGreaterEqual(self.dns.questions("silent.test", "A"), 1)
        self.assert_fixed(self.get(proxy, "fine.test"))
        metrics = self.scrape(proxy)
        self.assertEqual(metrics.value("proxy_dns_lookups_total", result="timeout"), 1)
        self.assertEqual(metrics.value("proxy_dns_lookups_total", result="ok"), 1)
        # The timed-out lookup took the whole 1.5 s: above the 1 s bound, within 2.5 s.
        duration = "proxy_dns_lookup_duration_seconds_bucket"
        self.assertEqual(metrics.value("proxy_dns_lookup_duration_seconds_count"), 2)
        self.assertEqual(metrics.value(duration, le="1"), 1)
        self.assertEqual(metrics.value(duration, le="2.5"), 2)
        self.assertGreaterEqual(metrics.value("proxy_dns_lookup_duration_seconds_sum"), 1.4)

    def test_timeouts_connect_bounds_the_lookup_too(self):
        self.dns.add("silent.test", silent=True)
        proxy = self.start_dns_proxy(timeout=30, timeouts={"connect": 1})
        started = time.monotonic()
        response = self.get(proxy, "silent.test")
        self.assertEqual(response.status, 504, response)
        self.assertLess(time.monotonic() - started, 1 + 1.0 * SLACK)

    def test_requests_for_a_name_being_looked_up_share_the_lookup(self):
        self.dns.add("shared.test", a=["127.0.0.1"], delay=1)
        # One io thread: lookups are shared within a thread, the cache across threads.
        proxy = self.start_dns_proxy(server={"workers": 1}, enabled=["http_parser", "metrics"])
        with concurrent.futures.ThreadPoolExecutor(max_workers=10) as pool:
            responses = list(pool.map(lambda _: self.get(proxy, "shared.test"), range(10)))
        for response in responses:
            self.assert_fixed(response)
        self.assertEqual(self.dns.questions("shared.test", "A"), 1)
        metrics = self.scrape(proxy)
        self.assertEqual(metrics.value("proxy_dns_lookups_total", result="ok"), 1)


class Cache(DnsTestCase):
    def test_an_answer_is_kept_for_its_ttl_and_asked_again_after_it(self):
        self.dns.add("cached.test", a=["127.0.0.1"], ttl=2)
        proxy = self.start_dns_proxy(min_ttl=1, enabled=["http_parser", "metrics"])
        self.assert_fixed(self.get(proxy, "cached.test"))
        answered = time.monotonic()
        for _ in range(4):  # new connections, on both io threads
            self.assert_fixed(self.get(proxy, "cached.test"))
        self.assertLess(time.monotonic() - answered, 1.5, "too slow to test a 2 s TTL")
        self.assertEqual(self.dns.questions("cached.test", "A"), 1)
        metrics = self.scrape(proxy)
        self.assertEqual(metrics.value("proxy_dns_cache_hits_total"), 4)
        self.assertEqual(metrics.value("proxy_dns_lookups_total", result="ok"), 1)

        time.sleep(max(0.0, answered + 2.3 - time.monotonic()))
        self.assert_fixed(self.get(proxy, "cached.test"))
        self.assertEqual(self.dns.questions("cached.test", "A"), 2)
        self.assertEqual(self.scrape(proxy).value("proxy_dns_lookups_total", result="ok"), 2)

    def test_min_ttl_keeps_a_short_lived_answer_longer(self):
        self.dns.add("short.test", a=["127.0.0.1"], ttl=0)
        proxy = self.start_dns_proxy(min_ttl=60)
        for _ in range(3):
            self.assert_fixed(self.get(proxy, "short.test"))
        self.assertEqual(self.dns.questions("short.test", "A"), 1)

    def test_no_cache_asks_every_time(self):
        self.dns.add("uncached.test", a=["127.0.0.1"], ttl=300)
        proxy = self.start_dns_proxy(cache_entries=0)
        for _ in range(3):
            self.assert_fixed(self.get(proxy, "uncached.test"))
        self.assertEqual(self.dns.questions("uncached.test", "A"), 3)

    def test_failures_are_not_cached(self):
        proxy = self.start_dns_proxy()
        self.assertEqual(self.get(proxy, "later.test").status, 502)
        self.dns.add("later.test", a=["127.0.0.1"])
        self.assert_fixed(self.get(proxy, "later.test"))


class HappyEyeballs(DnsTestCase):
    """RFC 8305: a name's addresses are raced, not tried one after another."""

    def hanging_listener(self, host, port):
        """A listener on host:port whose accept queue is full: a connect to it hangs, as
        through a route that drops packets. Closed when the test ends."""
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        listener = socket.socket(family, socket.SOCK_STREAM)
        self.addCleanup(listener.close)
        listener.bind((host, port))
        listener.listen(0)  # one connection fills the queue; later SYNs are dropped
        filler = socket.create_connection((host, port), timeout=5)
        self.addCleanup(filler.close)

    def start_race_proxy(self, delay_ms, connect=5):
        return self.start_proxy(timeouts={"connect": connect},
                                upstream={"dns": {"servers": [self.dns.address]},
                                          "happy_eyeballs_delay_ms": delay_ms})

    def timed_get(self, proxy, host):
        started = time.monotonic()
        response = self.get(proxy, host)
        return response, time.monotonic() - started

    def test_an_unreachable_ipv6_address_costs_the_delay_not_the_connect_timeout(self):
        self.hanging_listener("::1", self.origin.port)
        self.dns.add("dual.test", a=["127.0.0.1"], aaaa=["::1"])
        proxy = self.start_race_proxy(delay_ms=200, connect=5)
        response, took = self.timed_get(proxy, "dual.test")
        self.assert_fixed(response)
        self.assertGreaterEqual(took, 0.2)  # IPv6 had its head start
        self.assertLess(took, 2 * SLACK)    # and not the 5 s of timeouts.connect

    def test_a_refused_address_hands_over_at_once(self):
        # Nothing listens on [::1]:port: refused, so IPv4 starts without the 3 s delay.
        self.dns.add("dual.test", a=["127.0.0.1"], aaaa=["::1"])
        proxy = self.start_race_proxy(delay_ms=3000)
        response, took = self.timed_get(proxy, "dual.test")
        self.assert_fixed(response)
        self.assertLess(took, 1.5 * SLACK)

    def test_timeouts_connect_bounds_the_whole_race(self):
        self.hanging_listener("::1", self.origin.port)
        self.hanging_listener("127.0.0.2", self.origin.port)
        self.dns.add("dark.test", a=["127.0.0.2"], aaaa=["::1"])
        proxy = self.start_race_proxy(delay_ms=100, connect=1)
        response, took = self.timed_get(proxy, "dark.test")
        self.assertEqual(response.status, 504, response)
        self.assertIn(b"upstream connect timed out", response.body)
        self.assertGreaterEqual(took, 0.9)
        self.assertLess(took, 1 + 1.0 * SLACK)


class DestinationPolicy(DnsTestCase):
    def test_every_resolved_address_is_judged(self):
        self.dns.add("metadata.test", a=["169.254.169.254"])
        self.dns.add("mixed.test", a=["169.254.169.254", "127.0.0.1"])
        proxy = self.start_dns_proxy()
        response = self.get(proxy, "metadata.test")
        self.assertEqual(response.status, 403, response)
        self.assertIn(b"destination address is denied", response.body)
        # A denied address is skipped; the allowed one after it serves.
        self.assert_fixed(self.get(proxy, "mixed.test"))

    def test_a_name_for_the_proxy_itself_is_508(self):
        self.dns.add("self.test", a=["127.0.0.1"])
        proxy = self.start_dns_proxy()
        response = self.get(proxy, "self.test", path="/_metrics", port=proxy.port)
        self.assertEqual(response.status, 508, response)


if __name__ == "__main__":
    unittest.main()
