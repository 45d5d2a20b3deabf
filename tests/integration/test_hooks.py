"""Plugin hooks wired into the data path, proven with the test-only `probe` plugin
(tests/integration/plugins/probe.cpp): on_request rejects, edits, defers (allow, reject,
never) and throws by request target; on_accept closes by client port parity; on_sni
closes a tunnel by SNI before any byte reaches the origin and sees non-TLS bytes as
such; on_response edits response headers; on_bytes counts what moves (served at the
admin endpoint /_probe); on_close writes one JSON line per transaction."""

import json
import os
import random
import socket
import ssl
import textwrap
import time
import unittest

from httpclient import (TIMEOUT, Connection, ForwardProxyTestCase, recv_until_eof,
                        request_bytes)
from origins import (FIXED_BODY, SOCKET_TIMEOUT, EofReplyServer, OriginServer,
                     TestCertificate, pattern_bytes, sha256_hex, tls_client_context,
                     tls_server_context)
from proxytest import PLUGIN_DIR, ProxyProcess, run_cli

TEST_PLUGIN_DIR = os.environ.get("PROXY_TEST_PLUGIN_DIR", "")


class RecordingTlsOrigin(OriginServer):
    """The TLS origin, also recording whether each accepted connection ever received a
    raw byte (a peek before the TLS handshake: b"" means the peer closed first)."""

    def __init__(self, **kwargs):
        self.first_bytes = {}
        super().__init__(**kwargs)

    def _serve_connection(self, conn, conn_id):
        try:
            conn.settimeout(SOCKET_TIMEOUT)
            first = conn.recv(1, socket.MSG_PEEK)
        except OSError:
            first = b""
        with self._lock:
            self.first_bytes[conn_id] = first
        super()._serve_connection(conn, conn_id)

    def wait_first_bytes(self, conn_id, timeout=TIMEOUT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if conn_id in self.first_bytes:
                    return self.first_bytes[conn_id]
            time.sleep(0.02)
        raise AssertionError(f"origin connection {conn_id} neither got bytes nor closed")


class HookTestCase(ForwardProxyTestCase):
    """Starts the proxy with http_parser and probe enabled, and reads probe's events."""

    def setUp(self):
        super().setUp()
        self.assertTrue(TEST_PLUGIN_DIR and os.path.isdir(TEST_PLUGIN_DIR),
                        "PROXY_TEST_PLUGIN_DIR must name the test plugins' folder")
        self.events_path = os.path.join(self.configs.path, "events.jsonl")

    def start_probe_proxy(self, timeouts=None, **probe_settings):
        settings = {"events_file": self.events_path, **probe_settings}
        text = textwrap.dedent(f"""\
            server:
              listen: 127.0.0.1
              port: 0
              workers: 2
              shutdown_grace: 5
            plugins:
              dirs: [{json.dumps(PLUGIN_DIR)}, {json.dumps(TEST_PLUGIN_DIR)}]
              enabled: [http_parser, probe]
              settings:
                probe:
            """)
        text += "".join(f"      {key}: {json.dumps(value)}\n"
                        for key, value in settings.items())
        if timeouts:
            text += "timeouts:\n" + "".join(f"  {key}: {value}\n"
                                            for key, value in timeouts.items())
        proxy = ProxyProcess("--config", self.configs.write("hooks.yaml", text))
        self.addCleanup(self._stop_proxy, proxy)
        return proxy

    def events(self):
        try:
            with open(self.events_path, encoding="utf-8") as f:
                return [json.loads(line) for line in f if line.strip()]
        except FileNotFoundError:
            return []

    def wait_events(self, predicate, count=1, timeout=5):
        """The events matching `predicate` once there are at least `count` of them."""
        deadline = time.monotonic() + timeout
        while True:
            found = [event for event in self.events() if predicate(event)]
            if len(found) >= count or time.monotonic() > deadline:
                self.assertGreaterEqual(len(found), count,
                                        f"on_close events: {self.events()}")
                return found
            time.sleep(0.02)

    def wait_event_for(self, target_part):
        [event] = self.wait_events(lambda e: target_part in e["target"])
        return event

    def wait_stderr(self, proxy, *needles, timeout=5):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(needle in proxy.stderr for needle in needles):
                return
            time.sleep(0.02)
        self.fail(f"proxy stderr lacks {needles}:\n{proxy.stderr}")

    def probe_counters(self, proxy):
        response = self.exchange(proxy, b"GET /_probe HTTP/1.1\r\nHost: proxy\r\n"
                                        b"Connection: close\r\n\r\n")
        self.assertEqual(response.status, 200, response)
        return json.loads(response.body)

    def open_tunnel(self, proxy, port):
        conn = self.connect(proxy)
        conn.send(f"CONNECT 127.0.0.1:{port} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"
                  .encode())
        response = conn.read_response("CONNECT")
        self.assertIsNotNone(response, "proxy closed instead of answering CONNECT")
        self.assertEqual(response.status, 200, response)
        return conn


class OnRequest(HookTestCase):
    def setUp(self):
        super().setUp()
        self.origin = self.start_origin()
        self.proxy = self.start_probe_proxy(timeouts={"hook": 1})

    def test_reject_answers_403_with_reason_and_origin_sees_nothing(self):
        response = self.exchange(self.proxy, request_bytes("GET", self.origin.url("/blocked")))
        self.assertEqual(response.status, 403)
        self.assertIn(b"probe blocked", response.body)
        event = self.wait_event_for("/blocked")
        self.assertEqual((event["kind"], event["status"], event["verdict"],
                          event["decided_by"], event["reason"]),
                         ("request", 403, "reject", "probe", "probe blocked"))
        self.assertEqual(self.origin.connections_accepted, 0)
        self.assertEqual(self.origin.requests, [])

    def test_header_edit_reaches_origin(self):
        self.assertEqual(self.exchange(
            self.proxy, request_bytes("GET", self.origin.url("/fixed?edit"))).status, 200)
        self.assertEqual(self.exchange(
            self.proxy, request_bytes("GET", self.origin.url("/fixed?plain"))).status, 200)
        edited, plain = self.origin.wait_for_requests(2)
        self.assertEqual(edited.target, "/fixed?edit")
        self.assertEqual(edited.header_values("X-Probe-Request"), ["1"])
        self.assertEqual(plain.target, "/fixed?plain")
        self.assertIsNone(plain.header("X-Probe-Request"))

    def test_deferred_allow_completes_from_timer(self):
        started = time.monotonic()
        response = self.exchange(self.proxy,
                                 request_bytes("GET", self.origin.url("/fixed?defer-allow")))
        elapsed = time.monotonic() - started
        self.assertEqual(response.status, 200, response)
        self.assertEqual(response.body, FIXED_BODY)
        self.assertGreaterEqual(elapsed, 0.09)
        self.assertLess(elapsed, 0.9)  # well inside timeouts.hook
        [seen] = self.origin.requests_for("/fixed")
        self.assertEqual(seen.target, "/fixed?defer-allow")

    def test_deferred_reject_completes_from_another_thread(self):
        started = time.monotonic()
        response = self.exchange(self.proxy,
                                 request_bytes("GET", self.origin.url("/fixed?defer-reject")))
        elapsed = time.monotonic() - started
        self.assertEqual(response.status, 451, response)
        self.assertIn(b"probe deferred reject", response.body)
        self.assertGreaterEqual(elapsed, 0.04)
        self.assertEqual(self.origin.connections_accepted, 0)
        event = self.wait_event_for("defer-reject")
        self.assertEqual((event["status"], event["verdict"], event["decided_by"]),
                         (451, "reject", "probe"))

    def test_never_completed_deferral_times_out_as_503(self):
        started = time.monotonic()
        response = self.exchange(self.proxy,
                                 request_bytes("GET", self.origin.url("/fixed?defer-never")))
        elapsed = time.monotonic() - started
        self.assertEqual(response.status, 503, response)
        self.assertGreaterEqual(elapsed, 0.95)
        self.assertLess(elapsed, 2.5)
        self.assertEqual(self.origin.connections_accepted, 0)
        event = self.wait_event_for("defer-never")
        self.assertEqual((event["status"], event["decided_by"]), (503, "probe"))
        self.wait_stderr(self.proxy, "[probe]", "did not complete")
        # Still serving; and the completions probe kept forever are dropped when it is
        # destroyed at shutdown, after the host gave up on them: a clean exit.
        self.assertEqual(self.exchange(
            self.proxy, request_bytes("GET", self.origin.url("/fixed"))).status, 200)
        self.assertEqual(self.proxy.stop(timeout=15), 0, self.proxy.stderr)

    def test_throwing_hook_fails_the_request_with_500_and_proxy_keeps_serving(self):
        response = self.exchange(self.proxy, request_bytes("GET", self.origin.url("/throw")))
        self.assertEqual(response.status, 500, response)
        self.assertEqual(self.origin.connections_accepted, 0)
        self.wait_stderr(self.proxy, "[probe]", "probe threw")
        event = self.wait_event_for("/throw")
        self.assertEqual((event["status"], event["verdict"], event["decided_by"]),
                         (500, "failed", "probe"))
        again = self.exchange(self.proxy, request_bytes("GET", self.origin.url("/fixed")))
        self.assertEqual(again.status, 200)
        self.assertEqual(again.body, FIXED_BODY)
        self.assert_proxy_alive(self.proxy)


class OnResponse(HookTestCase):
    def test_response_header_added_for_the_client(self):
        origin = self.start_origin()
        proxy = self.start_probe_proxy()
        response = self.exchange(proxy, request_bytes("GET", origin.url("/fixed")))
        self.assertEqual(response.status, 200)
        self.assertEqual(response.header("X-Probe-Response"), "1")
        self.assertEqual(response.body, FIXED_BODY)


def connect_from_port_of_parity(proxy_port, odd):
    """A connection to the proxy from a loopback source port of the wanted parity (Linux
    gives connect() mostly odd ports, so the port is bound explicitly)."""
    rng = random.Random()
    for _ in range(200):
        port = rng.randrange(20000, 60000) | 1 if odd else rng.randrange(20000, 60000) & ~1
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.bind(("127.0.0.1", port))
            sock.settimeout(TIMEOUT)
            sock.connect(("127.0.0.1", proxy_port))
            return Connection.from_socket(sock)
        except OSError:
            sock.close()
    raise AssertionError("no free source port of the wanted parity")


class OnAccept(HookTestCase):
    def test_close_by_client_port_parity(self):
        origin = self.start_origin()
        proxy = self.start_probe_proxy(close_on_accept_port_parity="odd")
        for _ in range(2):
            closing = connect_from_port_of_parity(proxy.port, odd=True)
            self.addCleanup(closing.close)
            closed_port = closing.sock.getsockname()[1]
            try:
                closing.send(request_bytes("GET", origin.url("/fixed")))
            except OSError:
                pass  # already closed
            self.assertTrue(closing.wait_closed(5), "odd-port connection still open")
            self.assertEqual(bytes(closing.buffer), b"", "closed connection got an answer")

            served = connect_from_port_of_parity(proxy.port, odd=False)
            self.addCleanup(served.close)
            served.send(request_bytes("GET", origin.url("/fixed")))
            response = served.read_response()
            self.assertIsNotNone(response, "even-port connection closed")
            self.assertEqual(response.status, 200)
        self.assertEqual(len(origin.wait_for_requests(2)), 2)
        events = self.wait_events(lambda e: e["kind"] == "connection", count=2)
        self.assertIn(closed_port, [e["client_port"] for e in events])
        for event in events:
            self.assertEqual(event["client_port"] % 2, 1)
            self.assertEqual((event["verdict"], event["decided_by"], event["reason"],
                              event["status"]), ("close", "probe", "probe accept parity", 0))
        served_events = self.wait_events(lambda e: e["kind"] == "request", count=2)
        for event in served_events:
            self.assertEqual(event["client_port"] % 2, 0)


class OnSni(TestCertificate, HookTestCase):
    def start_tls_origin(self):
        origin = RecordingTlsOrigin(tls_context=tls_server_context(self.cert, self.key))
        self.addCleanup(origin.close)
        return origin

    def test_blocked_sni_closes_tunnel_before_any_byte_reaches_origin(self):
        origin = self.start_tls_origin()
        proxy = self.start_probe_proxy(block_sni="localhost")
        conn = self.open_tunnel(proxy, origin.port)
        with self.assertRaises((ssl.SSLError, OSError)):
            tls = tls_client_context(self.cert).wrap_socket(conn.sock,
                                                            server_hostname="localhost")
            tls.close()
        # The upstream is connected before the ClientHello is peeked; it must get nothing.
        self.assertEqual(origin.wait_first_bytes(1), b"")
        self.assertEqual(origin.connections_accepted, 1)
        self.assertEqual(origin.requests, [])
        [event] = self.wait_events(lambda e: e["kind"] == "tunnel")
        self.assertEqual((event["method"], event["host"], event["port"], event["sni"],
                          event["is_tls"], event["verdict"], event["decided_by"],
                          event["reason"], event["bytes_client_to_upstream"]),
                         ("CONNECT", "127.0.0.1", origin.port, "localhost", True, "close",
                          "probe", "probe sni", 0))

    def test_other_sni_passes_and_is_recorded(self):
        origin = self.start_tls_origin()
        proxy = self.start_probe_proxy(block_sni="blocked.example")
        conn = self.open_tunnel(proxy, origin.port)
        tls = tls_client_context(self.cert).wrap_socket(conn.sock, server_hostname="localhost")
        self.addCleanup(tls.close)
        tls.settimeout(TIMEOUT)
        tls.sendall(b"GET /fixed HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        received = recv_until_eof(tls)
        head, _, body = received.partition(b"\r\n\r\n")
        self.assertTrue(head.startswith(b"HTTP/1.1 200 "), head)
        self.assertEqual(body, FIXED_BODY)
        self.assertNotIn(b"X-Probe-Response", head)  # inside TLS: the proxy cannot see it
        self.assertNotEqual(origin.wait_first_bytes(1), b"")
        tls.close()
        [event] = self.wait_events(lambda e: e["kind"] == "tunnel")
        self.assertEqual((event["sni"], event["is_tls"], event["verdict"], event["status"],
                          event["decided_by"]), ("localhost", True, "allow", 200, ""))
        self.assertGreater(event["bytes_client_to_upstream"], 0)
        self.assertGreater(event["bytes_upstream_to_client"], len(FIXED_BODY))
        seen = self.probe_counters(proxy)["sni_seen"]
        self.assertEqual([(s["sni"], s["is_tls"]) for s in seen], [("localhost", True)])

    def test_non_tls_bytes_are_seen_as_not_tls_and_flow(self):
        origin = self.start_origin()
        proxy = self.start_probe_proxy(block_sni="localhost")
        conn = self.open_tunnel(proxy, origin.port)
        conn.send(b"GET /fixed HTTP/1.1\r\nHost: origin\r\n\r\n")
        response = conn.read_response()
        self.assertEqual(response.status, 200)
        self.assertEqual(response.body, FIXED_BODY)
        self.assertIsNone(response.header("X-Probe-Response"))  # tunnelled, not parsed
        seen = self.probe_counters(proxy)["sni_seen"]
        self.assertEqual([(s["sni"], s["is_tls"]) for s in seen], [("", False)])
        conn.close()
        [event] = self.wait_events(lambda e: e["kind"] == "tunnel")
        self.assertEqual((event["is_tls"], event["sni"], event["verdict"]), (False, "", "allow"))


class OnCloseAndOnBytes(HookTestCase):
    def setUp(self):
        super().setUp()
        self.origin = self.start_origin()
        self.proxy = self.start_probe_proxy()

    def transfer(self, method, path, body=None):
        """One request on a fresh connection; returns (response, bytes the client
        received, bytes the origin received, the on_close event)."""
        conn = self.connect(self.proxy)
        conn.send(request_bytes(method, self.origin.url(path), body=body))
        response = conn.read_response(method)
        self.assertIsNotNone(response)
        client_received = len(response.raw_head) + response.body_length
        conn.close()
        [event] = self.wait_events(lambda e: e["target"].endswith(path))
        [seen] = self.origin.requests_for(path.split("?")[0])
        origin_received = len(self.origin.raw_by_connection[seen.conn_id])
        return response, client_received, origin_received, event

    def assert_request_event(self, event, method, status):
        self.assertEqual((event["kind"], event["method"], event["host"], event["port"],
                          event["status"], event["verdict"], event["decided_by"]),
                         ("request", method, "127.0.0.1", self.origin.port, status, "allow", ""))

    def test_get_and_post_events_and_bytes_to_client(self):
        response, client_received, _, event = self.transfer("GET", "/fixed")
        self.assertEqual(response.body, FIXED_BODY)
        self.assert_request_event(event, "GET", 200)
        self.assertEqual(event["target"], self.origin.url("/fixed"))
        self.assertEqual(event["bytes_upstream_to_client"], client_received)

        body = pattern_bytes(123_457)
        response, client_received, _, event = self.transfer("POST", "/echo", body)
        self.assertEqual(json.loads(response.body),
                         {"length": len(body), "sha256": sha256_hex(body)})
        self.assert_request_event(event, "POST", 200)
        self.assertEqual(event["bytes_upstream_to_client"], client_received)
        self.assertGreaterEqual(event["bytes_client_to_upstream"], len(body))

    # Both directions count heads as written: the request head the proxy sends the
    # origin, like the response head it sends the client.
    def test_bytes_to_upstream_equal_what_origin_received(self):
        _, _, origin_received, event = self.transfer("GET", "/fixed")
        self.assertEqual(event["bytes_client_to_upstream"], origin_received)
        body = pattern_bytes(123_457)
        _, _, origin_received, event = self.transfer("POST", "/echo", body)
        self.assertEqual(event["bytes_client_to_upstream"], origin_received)

    def test_refused_head_ends_in_a_summary_decided_by_the_core(self):
        response = self.exchange(self.proxy, b"GET http://127.0.0.1/ HTTP/1.1\r\n"
                                             b"Host: a\r\n bad-fold\r\n\r\n")
        self.assertEqual(response.status, 400, response)
        [event] = self.wait_events(lambda e: e["kind"] == "connection")
        self.assertEqual((event["status"], event["verdict"], event["decided_by"]),
                         (400, "reject", "core"))
        self.assertTrue(event["reason"], event)

    def test_on_bytes_counters_match_a_tunnel_transfer(self):
        server = EofReplyServer(reply_length=200_000)
        self.addCleanup(server.close)
        before = self.probe_counters(self.proxy)
        conn = self.open_tunnel(self.proxy, server.port)
        upload = pattern_bytes(300_001)
        conn.send(upload)
        conn.sock.shutdown(socket.SHUT_WR)
        received = bytearray(conn.buffer)
        while True:
            data = conn.sock.recv(1 << 20)
            if not data:
                break
            received.extend(data)
        line = bytes(received).split(b"\n", 1)[0].decode()
        self.assertEqual(line, f"{sha256_hex(upload)} {len(upload)}")
        [event] = self.wait_events(lambda e: e["kind"] == "tunnel")
        after = self.probe_counters(self.proxy)
        self.assertEqual(after["client_to_upstream"] - before["client_to_upstream"], len(upload))
        self.assertEqual(after["upstream_to_client"] - before["upstream_to_client"],
                         len(received))
        self.assertEqual((event["bytes_client_to_upstream"], event["bytes_upstream_to_client"]),
                         (len(upload), len(received)))
        self.assertEqual((event["is_tls"], event["sni"], event["status"]), (False, "", 200))

    def test_on_bytes_counters_match_on_close_for_plain_http(self):
        before = self.probe_counters(self.proxy)
        _, client_received, _, event = self.transfer("POST", "/echo", pattern_bytes(50_000))
        after = self.probe_counters(self.proxy)
        self.assertEqual(after["upstream_to_client"] - before["upstream_to_client"],
                         client_received)
        self.assertEqual(after["client_to_upstream"] - before["client_to_upstream"],
                         event["bytes_client_to_upstream"])


class ProbeSettings(HookTestCase):
    def test_unknown_setting_is_refused(self):
        config = self.configs.write("bad.yaml", textwrap.dedent(f"""\
            server:
              port: 0
            plugins:
              dirs: [{json.dumps(PLUGIN_DIR)}, {json.dumps(TEST_PLUGIN_DIR)}]
              enabled: [http_parser, probe]
              settings:
                probe:
                  bogus: 1
            """))
        code, _, stderr = run_cli("--config", config, "--check-config")
        self.assertEqual(code, 2, stderr)
        self.assertIn("plugins.settings.probe.bogus", stderr)


if __name__ == "__main__":
    unittest.main()
