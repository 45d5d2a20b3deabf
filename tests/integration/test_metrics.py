"""The metrics plugin with the real binary, a real origin and real sockets: /_metrics is
valid Prometheus text (checked by promtool), and each counter moves by exactly what the
traffic did. promtool comes from scripts/install-deps.sh (.tools/bin/promtool) or
$PROMTOOL; without it the format check fails under CI=true and is skipped otherwise."""

import json
import os
import re
import shutil
import socket
import subprocess
import textwrap
import time
import unittest

from httpclient import TIMEOUT, Connection, ForwardProxyTestCase, recv_until_eof, request_bytes
from origins import EofReplyServer, pattern_bytes, sha256_hex
from proxytest import PLUGIN_DIR, SOURCE_DIR, ConfigDir, run_cli

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
SCRAPE = b"GET /_metrics HTTP/1.1\r\nHost: proxy\r\n\r\n"
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?')


def find_promtool():
    """$PROMTOOL, else the copy scripts/install-deps.sh extracts, else one on PATH."""
    candidates = [os.environ.get("PROMTOOL", "")]
    if SOURCE_DIR:
        candidates.append(os.path.join(SOURCE_DIR, ".tools", "bin", "promtool"))
    candidates.append(shutil.which("promtool") or "")
    for path in candidates:
        if path and os.access(path, os.X_OK):
            return path
    return None


def parse_samples(text):
    """{(name, ((label, value), ...)): float} of an exposition page; every non-comment
    line must be a sample."""
    samples = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = SAMPLE.match(line)
        if not match:
            raise AssertionError(f"not a sample line: {line!r}")
        name, labels, value = match.groups()
        pairs = tuple(sorted((k, _unescape(v)) for k, v in LABEL.findall(labels or "")))
        key = (name, pairs)
        if key in samples:
            raise AssertionError(f"duplicate series: {line!r}")
        samples[key] = float(value)
    return samples


def _unescape(value):
    return re.sub(r'\\(.)', lambda m: "\n" if m.group(1) == "n" else m.group(1), value)


class Metrics:
    """One scrape: the response and its samples."""

    def __init__(self, response):
        self.response = response
        self.text = response.body.decode("utf-8")
        self.samples = parse_samples(self.text)

    def value(self, name, **labels):
        """The sample's value; 0 when the series is absent (not counted yet)."""
        return self.samples.get((name, tuple(sorted(labels.items()))), 0.0)

    def has_series(self, name, **labels):
        return (name, tuple(sorted(labels.items()))) in self.samples

    def histogram(self, name):
        """([(le, cumulative count)...], sum, count) of a histogram."""
        buckets = sorted(((float(dict(labels)["le"]), value)
                          for (sample, labels), value in self.samples.items()
                          if sample == name + "_bucket"), key=lambda b: b[0])
        return buckets, self.value(name + "_sum"), self.value(name + "_count")


class MetricsTestCase(ForwardProxyTestCase):
    def start_metrics_proxy(self, settings=None, **kwargs):
        return self.start_proxy(enabled=["http_parser", "metrics"],
                                settings={"metrics": settings} if settings else None, **kwargs)

    def scrape(self, conn, path="/_metrics"):
        """Scrapes on `conn` (kept alive). Scraping on the connection that carried the
        traffic is what makes the counts deterministic: the core records a transaction
        before it reads the connection's next request."""
        conn.send(f"GET {path} HTTP/1.1\r\nHost: proxy\r\n\r\n".encode())
        response = conn.read_response()
        self.assertIsNotNone(response, "proxy closed instead of answering the scrape")
        self.assertEqual(response.status, 200, response)
        self.assertEqual(response.header("Content-Type"), CONTENT_TYPE)
        return Metrics(response)

    def scrape_until(self, conn, predicate, timeout=TIMEOUT):
        """Scrapes until `predicate(metrics)` holds, for what ends on another connection
        (a tunnel, a closed connection); returns that scrape."""
        deadline = time.monotonic() + timeout
        while True:
            metrics = self.scrape(conn)
            if predicate(metrics) or time.monotonic() > deadline:
                return metrics
            time.sleep(0.02)


class CountsExactly(MetricsTestCase):
    def setUp(self):
        super().setUp()
        self.origin = self.start_origin()
        self.proxy = self.start_metrics_proxy()

    def test_n_gets_move_requests_responses_bytes_and_durations_by_n(self):
        conn = self.connect(self.proxy)
        before = self.scrape(conn)
        count = 7
        received = 0
        for _ in range(count):
            conn.send(request_bytes("GET", self.origin.url("/fixed")))
            response = conn.read_response()
            self.assertEqual(response.status, 200, response)
            received += len(response.raw_head) + response.body_length
        after = self.scrape(conn)

        def delta(name, **labels):
            return after.value(name, **labels) - before.value(name, **labels)

        self.assertEqual(delta("proxy_requests_total", method="GET"), count)
        self.assertEqual(delta("proxy_responses_total", code="200"), count)
        self.assertEqual(delta("proxy_bytes_total", direction="upstream_to_client"), received)
        self.assertEqual(delta("proxy_bytes_total", direction="client_to_upstream"),
                         len(self.origin.all_raw_bytes()))
        self.assertEqual(delta("proxy_request_duration_seconds_count"), count)
        self.assertEqual(delta("proxy_request_duration_seconds_bucket", le="+Inf"), count)
        self.assertGreater(delta("proxy_request_duration_seconds_sum"), 0)
        self.assertEqual(delta("proxy_tunnel_duration_seconds_count"), 0)
        # Scrapes are not proxy traffic: they are counted on their own.
        self.assertEqual(after.value("proxy_admin_requests_total", code="200"), 1)
        self.assertEqual(delta("proxy_blocked_total", plugin="core"), 0)

    def test_origin_statuses_and_unknown_methods_are_counted_by_label(self):
        conn = self.connect(self.proxy)
        conn.send(request_bytes("GET", self.origin.url("/no-such-path")))
        self.assertEqual(conn.read_response().status, 404)
        conn.send(request_bytes("BREW", self.origin.url("/fixed")))
        self.assertEqual(conn.read_response().status, 200)
        conn.send(request_bytes("POST", self.origin.url("/echo"), body=b"x" * 1000))
        self.assertEqual(conn.read_response().status, 200)
        metrics = self.scrape(conn)
        self.assertEqual(metrics.value("proxy_responses_total", code="404"), 1)
        self.assertEqual(metrics.value("proxy_responses_total", code="200"), 2)
        self.assertEqual(metrics.value("proxy_requests_total", method="OTHER"), 1)
        self.assertEqual(metrics.value("proxy_requests_total", method="POST"), 1)
        self.assertFalse(metrics.has_series("proxy_requests_total", method="BREW"))
        self.assertEqual(metrics.value("proxy_blocked_total", plugin="core"), 0)

    def test_a_tunnel_is_a_connect_request_with_its_bytes_when_it_ends(self):
        server = EofReplyServer(reply_length=250_000)
        self.addCleanup(server.close)
        scraper = self.connect(self.proxy)
        before = self.scrape(scraper)
        self.assertEqual(before.value("proxy_tunnels_active"), 0)

        tunnel = self.connect(self.proxy)
        tunnel.send(f"CONNECT 127.0.0.1:{server.port} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        self.assertEqual(tunnel.read_response("CONNECT").status, 200)
        upload = pattern_bytes(123_457)
        tunnel.send(upload)
        during = self.scrape(scraper)
        self.assertEqual(during.value("proxy_tunnels_active"), 1)
        # Its bytes are added when it ends, not while it is open.
        self.assertEqual(during.value("proxy_bytes_total", direction="client_to_upstream"),
                         before.value("proxy_bytes_total", direction="client_to_upstream"))
        self.assertEqual(during.value("proxy_requests_total", method="CONNECT"), 0)

        tunnel.sock.shutdown(socket.SHUT_WR)
        downloaded = bytes(tunnel.buffer) + recv_until_eof(tunnel.sock)
        line = downloaded.split(b"\n", 1)[0].decode()
        self.assertEqual(line, f"{sha256_hex(upload)} {len(upload)}")
        after = self.scrape_until(
            scraper, lambda m: m.value("proxy_tunnel_duration_seconds_count") >= 1)

        def delta(name, **labels):
            return after.value(name, **labels) - before.value(name, **labels)

        self.assertEqual(after.value("proxy_tunnels_active"), 0)
        self.assertEqual(delta("proxy_tunnel_duration_seconds_count"), 1)
        self.assertEqual(delta("proxy_tunnel_duration_seconds_bucket", le="+Inf"), 1)
        self.assertEqual(delta("proxy_requests_total", method="CONNECT"), 1)
        self.assertEqual(delta("proxy_responses_total", code="200"), 1)
        self.assertEqual(delta("proxy_bytes_total", direction="client_to_upstream"), len(upload))
        self.assertEqual(delta("proxy_bytes_total", direction="upstream_to_client"),
                         len(downloaded))
        self.assertEqual(delta("proxy_request_duration_seconds_count"), 0)

    def test_connections_active_and_total_follow_open_and_close(self):
        scraper = self.connect(self.proxy)
        # Only the scraper is open once earlier connections are gone.
        start = self.scrape_until(scraper, lambda m: m.value("proxy_connections_active") == 1)
        self.assertEqual(start.value("proxy_connections_active"), 1)
        total = start.value("proxy_connections_total")
        opened = [Connection(self.proxy.port) for _ in range(3)]
        for conn in opened:
            self.addCleanup(conn.close)
        busy = self.scrape_until(scraper, lambda m: m.value("proxy_connections_active") == 4)
        self.assertEqual(busy.value("proxy_connections_active"), 4)
        self.assertEqual(busy.value("proxy_connections_total"), total + 3)
        for conn in opened:
            conn.close()
        done = self.scrape_until(scraper, lambda m: m.value("proxy_connections_active") == 1)
        self.assertEqual(done.value("proxy_connections_active"), 1)
        self.assertEqual(done.value("proxy_connections_total"), total + 3)
        self.assertEqual(done.value("proxy_connections_refused_total"), 0)


class BlockedAndRefused(MetricsTestCase):
    def test_a_denied_destination_counts_as_blocked_by_core(self):
        origin = self.start_origin()
        proxy = self.start_metrics_proxy(upstream={"deny_networks": ["127.0.0.1/32"]})
        before = self.scrape(self.connect(proxy))
        conn = self.connect(proxy)
        conn.send(request_bytes("GET", origin.url("/fixed")))
        self.assertEqual(conn.read_response().status, 403)
        # The core records the transaction before it closes the connection.
        self.assertTrue(conn.wait_closed(5))
        after = self.scrape(self.connect(proxy))
        self.assertEqual(origin.requests, [])
        self.assertEqual(after.value("proxy_blocked_total", plugin="core")
                         - before.value("proxy_blocked_total", plugin="core"), 1)
        self.assertEqual(after.value("proxy_responses_total", code="403")
                         - before.value("proxy_responses_total", code="403"), 1)
        self.assertEqual(after.value("proxy_requests_total", method="GET")
                         - before.value("proxy_requests_total", method="GET"), 1)

    def test_an_unreachable_upstream_is_an_error_not_a_block(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            closed_port = s.getsockname()[1]
        proxy = self.start_metrics_proxy()
        conn = self.connect(proxy)
        conn.send(request_bytes("GET", f"http://127.0.0.1:{closed_port}/"))
        self.assertEqual(conn.read_response().status, 502)
        self.assertTrue(conn.wait_closed(5))
        metrics = self.scrape(self.connect(proxy))
        self.assertEqual(metrics.value("proxy_responses_total", code="502"), 1)
        self.assertFalse(metrics.has_series("proxy_blocked_total", plugin="core"))

    def test_a_malformed_request_head_is_refused_by_core(self):
        proxy = self.start_metrics_proxy()
        conn = self.connect(proxy)
        conn.send(b"GET http://example.test/ HTTP/1.1\r\nHost: example.test\r\n"
                  b"Bad Header: x\r\n\r\n")
        self.assertEqual(conn.read_response().status, 400)
        self.assertTrue(conn.wait_closed(5))
        metrics = self.scrape(self.connect(proxy))
        self.assertEqual(metrics.value("proxy_responses_total", code="400"), 1)
        self.assertEqual(metrics.value("proxy_blocked_total", plugin="core"), 1)
        # A head that never parsed is not a request of any method.
        self.assertEqual(sum(value for (name, _), value in metrics.samples.items()
                             if name == "proxy_requests_total"), 0)

    def test_a_client_outside_admin_allow_gets_403(self):
        proxy = self.start_metrics_proxy(admin={"allow": ["127.0.0.1/32"]})
        outsider = socket.create_connection(("127.0.0.1", proxy.port), timeout=TIMEOUT,
                                            source_address=("127.0.0.2", 0))
        conn = Connection.from_socket(outsider)
        self.addCleanup(conn.close)
        conn.send(b"GET /_metrics HTTP/1.1\r\nHost: proxy\r\nConnection: close\r\n\r\n")
        response = conn.read_response()
        self.assertEqual(response.status, 403, response)
        self.assertNotIn(b"proxy_", response.body)
        self.assertTrue(conn.wait_closed(5))  # recorded before the close
        insider = self.scrape(self.connect(proxy))
        self.assertEqual(insider.value("proxy_admin_requests_total", code="403"), 1)
        self.assertFalse(insider.has_series("proxy_blocked_total", plugin="core"))

    def test_without_the_plugin_there_is_no_endpoint(self):
        proxy = self.start_proxy(enabled=["http_parser"])
        response = self.exchange(proxy, SCRAPE)
        self.assertEqual(response.status, 404, response)


class Exposition(MetricsTestCase):
    def test_build_info_carries_the_version_the_binary_prints(self):
        code, stdout, _ = run_cli("--version")
        self.assertEqual(code, 0)
        version = stdout.split()[1]  # "proxy-server 0.1.0 (plugin ABI 1.1)"
        metrics = self.scrape(self.connect(self.start_metrics_proxy()))
        self.assertEqual(metrics.value("proxy_build_info", version=version), 1)
        self.assertEqual(sum(1 for (name, _) in metrics.samples if name == "proxy_build_info"), 1)

    def test_path_and_buckets_follow_the_settings(self):
        origin = self.start_origin()
        proxy = self.start_metrics_proxy(settings={"path": "/stats/prometheus",
                                                   "request_duration_buckets": [0.5, 30]})
        conn = self.connect(proxy)
        conn.send(request_bytes("GET", origin.url("/fixed")))
        self.assertEqual(conn.read_response().status, 200)
        metrics = self.scrape(conn, "/stats/prometheus")
        buckets, _, count = metrics.histogram("proxy_request_duration_seconds")
        self.assertEqual(buckets, [(0.5, 1), (30.0, 1), (float("inf"), 1)])
        self.assertEqual(count, 1)
        self.assertEqual(self.exchange(proxy, SCRAPE).status, 404)

    def test_head_gets_the_headers_only_and_post_gets_405(self):
        proxy = self.start_metrics_proxy()
        conn = self.connect(proxy)
        conn.send(b"HEAD /_metrics HTTP/1.1\r\nHost: proxy\r\n\r\n")
        head = conn.read_response("HEAD")
        self.assertEqual(head.status, 200)
        self.assertEqual(head.header("Content-Type"), CONTENT_TYPE)
        self.assertEqual(head.body, b"")
        conn.send(b"POST /_metrics HTTP/1.1\r\nHost: proxy\r\n\r\n")
        post = conn.read_response()
        self.assertEqual(post.status, 405)
        self.assertEqual(post.header("Allow"), "GET, HEAD")

    def test_every_family_passes_promtool_after_all_kinds_of_traffic(self):
        promtool = find_promtool()
        if promtool is None:
            message = "promtool not found: run scripts/install-deps.sh (or set PROMTOOL)"
            if os.environ.get("CI", "").lower() == "true":
                self.fail(message)
            self.skipTest(message)
        origin = self.start_origin()
        server = EofReplyServer(reply_length=1000)
        self.addCleanup(server.close)
        proxy = self.start_metrics_proxy(upstream={"deny_networks": ["127.0.0.3/32"]})
        conn = self.connect(proxy)
        for path in ("/fixed", "/chunked", "/no-such-path"):
            conn.send(request_bytes("GET", origin.url(path)))
            self.assertIsNotNone(conn.read_response())
        conn.send(request_bytes("PROPFIND", origin.url("/fixed")))
        self.assertIsNotNone(conn.read_response())
        self.assertEqual(self.exchange(proxy, request_bytes("GET", "http://127.0.0.3:1/"))
                         .status, 403)
        tunnel = self.connect(proxy)
        tunnel.send(f"CONNECT 127.0.0.1:{server.port} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        self.assertEqual(tunnel.read_response("CONNECT").status, 200)
        tunnel.sock.shutdown(socket.SHUT_WR)
        recv_until_eof(tunnel.sock)
        metrics = self.scrape_until(
            conn, lambda m: m.value("proxy_tunnel_duration_seconds_count") == 1
            and m.value("proxy_blocked_total", plugin="core") == 1)

        checked = subprocess.run([promtool, "check", "metrics"], input=metrics.response.body,
                                 capture_output=True, timeout=60)
        self.assertEqual(checked.returncode, 0,
                         checked.stdout.decode() + checked.stderr.decode() + metrics.text)
        # promtool reports lint findings on stdout/stderr even for a valid page.
        self.assertEqual((checked.stdout + checked.stderr).strip(), b"")

        for family in ("proxy_request_duration_seconds", "proxy_tunnel_duration_seconds"):
            buckets, _, count = metrics.histogram(family)
            counts = [value for _, value in buckets]
            self.assertEqual(counts, sorted(counts), f"{family} buckets not cumulative")
            self.assertEqual(buckets[-1], (float("inf"), count))
        for name in ("proxy_connections_active", "proxy_connections_total",
                     "proxy_requests_total", "proxy_responses_total", "proxy_bytes_total",
                     "proxy_tunnels_active", "proxy_blocked_total",
                     "proxy_request_duration_seconds", "proxy_tunnel_duration_seconds",
                     "proxy_build_info"):
            self.assertIn(f"# HELP {name} ", metrics.text)
            self.assertRegex(metrics.text, rf"# TYPE {name} (counter|gauge|histogram)\n")


class Settings(unittest.TestCase):
    def check_config(self, metrics_settings):
        configs = ConfigDir()
        self.addCleanup(configs.cleanup)
        config = configs.write("bad.yaml", textwrap.dedent(f"""\
            server:
              port: 0
            plugins:
              dirs: [{json.dumps(PLUGIN_DIR)}]
              enabled: [http_parser, metrics]
              settings:
                metrics: {json.dumps(metrics_settings)}
            """))
        return run_cli("--config", config, "--check-config")

    def test_bad_settings_stop_startup_naming_the_key(self):
        for settings, key in [
            ({"path": "_metrics"}, "plugins.settings.metrics.path"),
            ({"pth": "/_metrics"}, "plugins.settings.metrics.pth"),
            ({"request_duration_buckets": [1, 0.5]},
             "plugins.settings.metrics.request_duration_buckets[1]"),
            ({"tunnel_duration_buckets": [0]},
             "plugins.settings.metrics.tunnel_duration_buckets[0]"),
        ]:
            with self.subTest(settings=settings):
                code, _, stderr = self.check_config(settings)
                self.assertEqual(code, 2, stderr)
                self.assertIn(key, stderr)

    def test_good_settings_pass_the_check(self):
        code, _, stderr = self.check_config({"path": "/m", "tunnel_duration_buckets": [1, 10]})
        self.assertEqual(code, 0, stderr)


if __name__ == "__main__":
    unittest.main()
