"""Reload on SIGHUP as configuration generations, with the real binary: new connections
get the new generation while connections opened before it (a big download, a TLS tunnel,
a keep-alive connection) finish byte-exact on theirs; a broken file, a plugin that fails
to start or a key that needs a restart change nothing and log one line; many reloads
under load lose no request, leak no plugin instance (the probe plugin counts its
constructions and destructions) and keep the metrics counting on."""

import hashlib
import json
import os
import re
import signal
import threading
import time
import unittest

from httpclient import (TIMEOUT, Connection, ForwardProxyTestCase, big_transfer_bytes,
                        recv_until_eof, request_bytes)
from origins import (FIXED_BODY, TestCertificate, pattern_bytes, sha256_hex, tls_client_context,
                     tls_server_context)
from proxytest import PLUGIN_DIR, ProxyProcess, free_port, minimal_config

TEST_PLUGIN_DIR = os.environ.get("PROXY_TEST_PLUGIN_DIR", "")
ENABLED = ["http_parser", "access_policy", "probe", "metrics"]
PROBE = b"GET /_probe HTTP/1.1\r\nHost: proxy\r\n\r\n"
METRICS = b"GET /_metrics HTTP/1.1\r\nHost: proxy\r\n\r\n"
LOADED = re.compile(r"configuration generation (\d+) loaded")
FAILED = re.compile(r"configuration reload failed, still serving generation (\d+): (.*)")
RETIRED = re.compile(r"configuration generation (\d+) retired")


def overlay(blocked=(), tag="g1", connect_ports=(443,), server=None, probe_extra=None,
            enabled=ENABLED, more=None):
    """The second config file, the one a test edits before a SIGHUP (JSON is YAML)."""
    probe = {"tag": tag}
    probe.update(probe_extra or {})
    config = {"plugins": {"dirs": [PLUGIN_DIR, TEST_PLUGIN_DIR], "enabled": list(enabled),
                          "settings": {"access_policy": {"blocked_domains": list(blocked),
                                                         "connect_ports": list(connect_ports)},
                                       "probe": probe}}}
    if server:
        config["server"] = server
    config.update(more or {})
    return json.dumps(config)


class ReloadTestCase(ForwardProxyTestCase):
    def setUp(self):
        super().setUp()
        self.assertTrue(TEST_PLUGIN_DIR and os.path.isdir(TEST_PLUGIN_DIR),
                        "PROXY_TEST_PLUGIN_DIR must name the test plugins' folder")

    def exchange(self, proxy, data, method="GET"):
        """One request on a connection of its own, closed after the response: an open
        keep-alive connection would keep its generation alive."""
        with Connection(proxy.port) as conn:
            conn.send(data)
            response = conn.read_response(method)
        self.assertIsNotNone(response, "proxy closed without answering")
        return response

    def start_reloadable(self, text, env=None):
        base = self.configs.write("base.yaml", minimal_config())
        self.reloaded = self.configs.write("reload.yaml", text)
        proxy = ProxyProcess("--config", base, "--config", self.reloaded, env=env)
        self.addCleanup(self._stop_proxy, proxy)
        self.assertIn("configuration generation 1", proxy.stderr)
        return proxy

    def reload(self, proxy, text=None):
        """Rewrites the second file (when `text`), sends SIGHUP and waits for the one line
        the reload logs; returns that line."""
        if text is not None:
            self.rewrite(text)
        before = len(proxy.stderr_lines)
        proxy.signal(signal.SIGHUP)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            for line in proxy.stderr_lines[before:]:
                if LOADED.search(line) or FAILED.search(line):
                    return line
            time.sleep(0.01)
        self.fail("no reload line after SIGHUP:\n" + proxy.stderr)

    def rewrite(self, text):
        """Replaces the second file at once: a reload reading it meanwhile sees the old
        file or the new one, never half of it."""
        os.replace(self.configs.write("reload.yaml.new", text), self.reloaded)

    def wait_for_line(self, proxy, pattern, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if re.search(pattern, proxy.stderr):
                return
            time.sleep(0.02)
        self.fail(f"no line matching {pattern!r}:\n" + proxy.stderr)

    def probe(self, proxy):
        response = self.exchange(proxy, PROBE)
        self.assertEqual(response.status, 200, response)
        return json.loads(response.body)

    def metric(self, proxy, sample):
        response = self.exchange(proxy, METRICS)
        self.assertEqual(response.status, 200, response)
        for line in response.body.decode().splitlines():
            if line.startswith(sample + " "):
                return float(line.split()[-1])
        self.fail(f"{sample} not in the metrics:\n{response.body.decode()}")

    def wait_for_instances(self, proxy, live, timeout=10):
        """Polls /_probe until exactly `live` probe instances exist; returns its answer."""
        deadline = time.monotonic() + timeout
        while True:
            counts = self.probe(proxy)
            if counts["instances_created"] - counts["instances_destroyed"] == live:
                return counts
            if time.monotonic() > deadline:
                self.fail(f"probe instances alive: {counts}, expected {live}\n" + proxy.stderr)
            time.sleep(0.05)


class OpenConnectionsKeepTheirGeneration(TestCertificate, ReloadTestCase):
    def test_blocked_domain_applies_to_new_connections_while_open_ones_finish_exact(self):
        origin = self.start_origin()
        tls_origin = self.start_origin(tls_context=tls_server_context(self.cert, self.key))
        ports = [tls_origin.port]
        proxy = self.start_reloadable(overlay(connect_ports=ports, tag="g1"))
        size = big_transfer_bytes()

        # Opened on generation 1: a big download, a TLS tunnel and a keep-alive connection.
        download = self.connect(proxy, timeout=60)
        download.send(request_bytes("GET", f"http://localhost:{origin.port}/download/{size}"))
        head = download.read_head()
        self.assertEqual((head.status, head.header("X-Probe-Tag")), (200, "g1"))
        tunnel = self.connect(proxy)
        authority = f"localhost:{tls_origin.port}"
        tunnel.send(f"CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n\r\n".encode())
        self.assertEqual(tunnel.read_response("CONNECT").status, 200)
        tls = tls_client_context(self.cert).wrap_socket(tunnel.sock, server_hostname="localhost")
        tls.settimeout(TIMEOUT)
        self.addCleanup(tls.close)
        keep_alive = self.connect(proxy)
        keep_alive.send(request_bytes("GET", f"http://localhost:{origin.port}/fixed"))
        self.assertEqual(keep_alive.read_response().status, 200)

        line = self.reload(proxy, overlay(blocked=["localhost"], connect_ports=ports, tag="g2"))
        self.assertRegex(line, r" info configuration generation 2 loaded")

        # New connections: generation 2 blocks localhost, for plain HTTP and CONNECT.
        refused = self.exchange(proxy, request_bytes("GET", f"http://localhost:{origin.port}/"))
        self.assertEqual(refused.status, 403, refused)
        refused = self.exchange(proxy, f"CONNECT {authority} HTTP/1.1\r\n\r\n".encode(), "CONNECT")
        self.assertEqual(refused.status, 403, refused)
        allowed = self.exchange(proxy, request_bytes("GET", f"http://127.0.0.1:{origin.port}/fixed"))
        self.assertEqual((allowed.status, allowed.header("X-Probe-Tag")), (200, "g2"))

        # The keep-alive connection's next request is still generation 1's.
        keep_alive.send(request_bytes("GET", f"http://localhost:{origin.port}/fixed"))
        again = keep_alive.read_response()
        self.assertEqual((again.status, again.header("X-Probe-Tag"), again.body),
                         (200, "g1", FIXED_BODY))

        # The tunnel carries a whole TLS exchange after the reload, byte-exact.
        tunnel_size = 3_000_000
        tls.sendall(f"GET /download/{tunnel_size} HTTP/1.1\r\nHost: localhost\r\n"
                    f"Connection: close\r\n\r\n".encode())
        received = recv_until_eof(tls)
        tunnel_head, _, body = received.partition(b"\r\n\r\n")
        self.assertTrue(tunnel_head.startswith(b"HTTP/1.1 200 OK"), tunnel_head)
        self.assertEqual(body, pattern_bytes(tunnel_size))
        self.assertEqual(sha256_hex(body),
                         tls_origin.wait_download(f"/download/{tunnel_size}")[1])

        # The download finishes byte-exact.
        received, digest = _drain(download, size)
        self.assertEqual((received, digest),
                         origin.wait_download(f"/download/{size}", timeout=120))

        # Generation 1's last connections close: its probe instance goes, not before.
        self.assertEqual(self.probe(proxy)["instances_destroyed"], 0)
        for conn in (download, keep_alive):
            conn.close()
        tls.close()
        self.wait_for_line(proxy, r"configuration generation 1 retired")
        counts = self.wait_for_instances(proxy, live=1)
        self.assertEqual((counts["instances_created"], counts["tag"]), (2, "g2"))


class RefusedReloads(ReloadTestCase):
    def assert_one_line(self, proxy, before, why):
        """Exactly one line came after index `before` (give stragglers a moment), an
        error saying `why`."""
        time.sleep(0.3)
        lines = proxy.stderr_lines[before:]
        self.assertEqual(len(lines), 1, "".join(lines))
        self.assertRegex(lines[0], r" error configuration reload failed, still serving "
                                   r"generation 1: ")
        self.assertIn(why, lines[0])

    def assert_unchanged(self, proxy, origin):
        response = self.exchange(proxy, request_bytes("GET", origin.url("/fixed")))
        self.assertEqual((response.status, response.header("X-Probe-Tag")), (200, "g1"))
        self.assertEqual(self.metric(proxy, "proxy_config_generation"), 1)
        self.assertEqual(self.probe(proxy)["instances_created"], 1)

    def test_broken_file_keeps_serving_and_logs_one_line(self):
        origin = self.start_origin()
        proxy = self.start_reloadable(overlay())
        before = len(proxy.stderr_lines)
        self.reload(proxy, "plugins: {enabled: [http_parser\nserver: {}\n")
        self.assert_one_line(proxy, before, "reload.yaml:")
        self.assert_unchanged(proxy, origin)
        self.assertEqual(self.metric(proxy, 'proxy_config_reloads_total{result="failed"}'), 1)
        self.assertEqual(self.metric(proxy, 'proxy_config_reloads_total{result="ok"}'), 0)

    def test_invalid_value_names_the_file_line_and_key(self):
        origin = self.start_origin()
        proxy = self.start_reloadable(overlay())
        before = len(proxy.stderr_lines)
        self.reload(proxy, overlay(more={"timeouts": {"idle": -3}}))
        self.assert_one_line(proxy, before, "timeouts.idle")
        self.assertRegex(proxy.stderr_lines[before], r"reload\.yaml:\d+")
        self.assert_unchanged(proxy, origin)

    def test_plugin_that_fails_to_start_fails_the_reload(self):
        origin = self.start_origin()
        proxy = self.start_reloadable(overlay())
        before = len(proxy.stderr_lines)
        self.reload(proxy, overlay(tag="g2", probe_extra={"no_such_setting": 1}))
        self.assert_one_line(proxy, before, "plugins.settings.probe.no_such_setting")
        self.assert_unchanged(proxy, origin)
        # Nothing of the failed attempt is left: the next good reload is generation 2.
        self.assertRegex(self.reload(proxy, overlay(tag="g2")), r"generation 2 loaded")
        self.wait_for_instances(proxy, live=1)

    def test_changing_the_port_or_the_workers_needs_a_restart(self):
        origin = self.start_origin()
        proxy = self.start_reloadable(overlay())
        other_port = free_port()
        for server, key in (({"port": other_port}, "server.port: 0 -> "),
                            ({"workers": 3}, "server.workers: 2 -> 3"),
                            ({"listen": "127.0.0.2"}, "server.listen: 127.0.0.1 -> 127.0.0.2")):
            with self.subTest(key=key):
                before = len(proxy.stderr_lines)
                self.reload(proxy, overlay(tag="g2", server=server))
                self.assert_one_line(proxy, before, key)
                self.assertIn("needs a restart", proxy.stderr_lines[before])
                self.assert_unchanged(proxy, origin)
        with self.assertRaises(OSError):
            Connection(other_port, timeout=1).close()


class ReloadsUnderLoad(ReloadTestCase):
    def test_fifty_sighups_lose_no_request_and_leak_no_plugin(self):
        origin = self.start_origin()
        proxy = self.start_reloadable(overlay(probe_extra={"tick_ms": 5}))
        stop = threading.Event()
        results = {"ok": 0, "bad": []}
        lock = threading.Lock()

        def client(keep_alive):
            conn = None
            while not stop.is_set():
                try:
                    if conn is None:
                        conn = Connection(proxy.port)
                    conn.send(request_bytes("GET", origin.url("/fixed")))
                    response = conn.read_response()
                    good = response is not None and response.status == 200 and \
                        response.body == FIXED_BODY
                    with lock:
                        if good:
                            results["ok"] += 1
                        else:
                            results["bad"].append(repr(response))
                    if not keep_alive or response is None or response.closes():
                        conn.close()
                        conn = None
                except OSError as error:
                    with lock:
                        results["bad"].append(repr(error))
                    conn = None
            if conn is not None:
                conn.close()

        clients = [threading.Thread(target=client, args=(i % 2 == 0,)) for i in range(6)]
        for thread in clients:
            thread.start()
        try:
            for index in range(50):
                # Each edit changes a plugin setting, so each reload has work to do.
                self.rewrite(overlay(tag=f"g{index}", probe_extra={"tick_ms": 5}))
                proxy.signal(signal.SIGHUP)
                time.sleep(0.02)
        finally:
            time.sleep(0.5)
            stop.set()
            for thread in clients:
                thread.join(timeout=30)
        self.assertEqual(results["bad"], [])
        self.assertGreater(results["ok"], 100)

        # SIGHUPs during a reload are queued: the last edit is always loaded in the end.
        deadline = time.monotonic() + 20
        while self.probe(proxy)["tag"] != "g49" and time.monotonic() < deadline:
            time.sleep(0.05)
        loaded = [int(m.group(1)) for m in LOADED.finditer(proxy.stderr)]
        self.assertEqual(loaded, list(range(2, 2 + len(loaded))), "one generation after another")
        self.assertNotIn("reload failed", proxy.stderr)
        self.assertEqual(self.metric(proxy, "proxy_config_generation"), 1 + len(loaded))
        self.assertEqual(self.metric(proxy, 'proxy_config_reloads_total{result="ok"}'),
                         len(loaded))
        print(f"\n  {len(loaded)} reloads for 50 SIGHUPs, {results['ok']} requests, none lost")

        # Every old generation is retired once its connections closed: one probe left,
        # and its timer still ticks (retiring the others cancelled only their timers).
        counts = self.wait_for_instances(proxy, live=1)
        self.assertEqual(counts["instances_created"], 1 + len(loaded))
        deadline = time.monotonic() + 5
        while len(RETIRED.findall(proxy.stderr)) < len(loaded) and time.monotonic() < deadline:
            time.sleep(0.02)
        self.assertEqual(sorted(int(n) for n in RETIRED.findall(proxy.stderr)),
                         list(range(1, 1 + len(loaded))))
        ticks = counts["ticks"]
        time.sleep(0.2)
        self.assertGreater(self.probe(proxy)["ticks"], ticks)

        # The metrics plugin carried its counters over every generation: every request.
        self.assertEqual(self.metric(proxy, 'proxy_requests_total{method="GET"}'),
                         results["ok"])
        self.assertEqual(len(origin.requests_for("/fixed")), results["ok"])


class ReloadSignalNeverKills(ReloadTestCase):
    def test_sighup_during_the_shutdown_delay_does_not_end_the_process(self):
        proxy = self.start_reloadable(overlay(server={"shutdown_delay": 1}))
        proxy.signal(signal.SIGTERM)
        self.wait_for_line(proxy, r"still accepting")
        proxy.signal(signal.SIGHUP)
        self.assertEqual(proxy.wait(timeout=15), 0, proxy.stderr)
        self.assertNotIn("generation 2", proxy.stderr)

    def test_settings_the_reload_applies(self):
        """shutdown_delay is one of the process-wide settings a reload does change."""
        proxy = self.start_reloadable(overlay())
        self.reload(proxy, overlay(server={"shutdown_delay": 1}))
        proxy.signal(signal.SIGTERM)
        self.wait_for_line(proxy, r"still accepting for 1000 ms")
        self.assertEqual(proxy.wait(timeout=15), 0, proxy.stderr)


class RateLimiterAcrossReloads(ReloadTestCase):
    def test_a_reload_gives_no_client_a_fresh_allowance(self):
        origin = self.start_origin()
        enabled = ["http_parser", "rate_limiter", "probe"]
        limits = {"rate_limiter": {"requests": 3, "window": 60}}
        proxy = self.start_reloadable(_with_settings(overlay(enabled=enabled), limits))
        statuses = [self.exchange(proxy, request_bytes("GET", origin.url("/fixed"))).status
                    for _ in range(3)]
        self.assertEqual(statuses, [200, 200, 200])
        self.assertRegex(self.reload(proxy, _with_settings(overlay(enabled=enabled, tag="g2"),
                                                           limits)), r"generation 2 loaded")
        response = self.exchange(proxy, request_bytes("GET", origin.url("/fixed")))
        self.assertEqual(response.status, 429, response)
        # New limits start the windows again, as a restart would.
        self.reload(proxy, _with_settings(overlay(enabled=enabled, tag="g3"),
                                          {"rate_limiter": {"requests": 5, "window": 60}}))
        response = self.exchange(proxy, request_bytes("GET", origin.url("/fixed")))
        self.assertEqual((response.status, response.header("X-Probe-Tag")), (200, "g3"))


def _with_settings(text, settings):
    config = json.loads(text)
    config["plugins"]["settings"].update(settings)
    return json.dumps(config)


def _drain(conn, length):
    """Reads exactly `length` body bytes; returns (bytes received, sha256 hex)."""
    digest = hashlib.sha256()
    digest.update(conn.buffer)
    received = len(conn.buffer)
    conn.buffer.clear()
    buffer = bytearray(1 << 20)
    view = memoryview(buffer)
    while received < length:
        n = conn.sock.recv_into(view, min(len(buffer), length - received))
        if n == 0:
            break
        digest.update(view[:n])
        received += n
    return received, digest.hexdigest()


if __name__ == "__main__":
    unittest.main()
