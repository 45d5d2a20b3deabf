"""The sni_policy plugin with the real binary, real TLS handshakes through CONNECT
tunnels and real origins: blocked SNIs (subdomains and case too) close the tunnel
before any client byte reaches the origin while other names pass; an `allowed` list lets
only its names through; on_missing_sni decides for non-TLS bytes and for a ClientHello
without SNI; on_ech for a ClientHello carrying encrypted_client_hello; peek_timeout
bounds the wait for the first bytes; require_host_match ties the SNI to the CONNECT host;
bad settings stop startup naming the key."""

import socket
import ssl
import struct
import threading
import time
import unittest

from httpclient import TIMEOUT, ForwardProxyTestCase, recv_until_eof
from origins import (FIXED_BODY, EofReplyServer, TestCertificate, sha256_hex,
                     tls_client_context, tls_server_context)
from test_hooks import RecordingTlsOrigin

SNI_ONLY = ["http_parser", "sni_policy"]


def client_hello(sni=None, ech=False):
    """A well-formed TLS 1.3 ClientHello record, optionally with server_name and an
    encrypted_client_hello extension (its payload is opaque to the proxy)."""
    extensions = b""
    if sni is not None:
        name = sni.encode()
        entry = b"\x00" + struct.pack(">H", len(name)) + name
        server_name = struct.pack(">H", len(entry)) + entry
        extensions += struct.pack(">HH", 0, len(server_name)) + server_name
    versions = b"\x02\x03\x04"
    extensions += struct.pack(">HH", 43, len(versions)) + versions
    if ech:
        payload = b"\x00" + b"\x00\x01\x00\x01" + b"\x07" + struct.pack(">H", 4) + b"keys" \
            + struct.pack(">H", 8) + b"sealed!!"
        extensions += struct.pack(">HH", 0xfe0d, len(payload)) + payload
    body = (b"\x03\x03" + bytes(32) + b"\x00" + struct.pack(">H", 2) + b"\x13\x01"
            + b"\x01\x00" + struct.pack(">H", len(extensions)) + extensions)
    handshake = b"\x01" + struct.pack(">I", len(body))[1:] + body
    return b"\x16\x03\x01" + struct.pack(">H", len(handshake)) + handshake


class SniPolicyTestCase(TestCertificate, ForwardProxyTestCase):
    def start_sni_proxy(self, timeouts=None, **settings):
        return self.start_proxy(enabled=SNI_ONLY, settings={"sni_policy": settings},
                                timeouts=timeouts)

    def start_tls_origin(self):
        origin = RecordingTlsOrigin(tls_context=tls_server_context(self.cert, self.key))
        self.addCleanup(origin.close)
        return origin

    def open_tunnel(self, proxy, authority):
        conn = self.connect(proxy)
        conn.send(f"CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n\r\n".encode())
        response = conn.read_response("CONNECT")
        self.assertIsNotNone(response, "proxy closed instead of answering CONNECT")
        self.assertEqual(response.status, 200, response)
        return conn

    def client_context(self):
        # The origin has one certificate (localhost); the names these tests send as SNI
        # differ, so only the chain is verified.
        context = tls_client_context(self.cert)
        context.check_hostname = False
        return context

    def tls_fetch(self, conn, server_hostname):
        """A TLS handshake with `server_hostname` as SNI (None: no SNI) and GET /fixed
        inside it; returns the body."""
        tls = self.client_context().wrap_socket(conn.sock, server_hostname=server_hostname)
        self.addCleanup(tls.close)
        tls.settimeout(TIMEOUT)
        tls.sendall(b"GET /fixed HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        head, _, body = recv_until_eof(tls).partition(b"\r\n\r\n")
        self.assertTrue(head.startswith(b"HTTP/1.1 200 "), head)
        return body

    def assert_tls_refused(self, conn, server_hostname):
        with self.assertRaises((ssl.SSLError, OSError)):
            tls = self.client_context().wrap_socket(conn.sock, server_hostname=server_hostname)
            tls.close()

    def wait_stderr(self, proxy, *needles, timeout=5):
        deadline = time.monotonic() + timeout
        while not all(n in proxy.stderr for n in needles) and time.monotonic() < deadline:
            time.sleep(0.02)
        for needle in needles:
            self.assertIn(needle, proxy.stderr)


class BlockedAndAllowed(SniPolicyTestCase):
    def test_blocked_sni_closes_before_the_origin_gets_a_byte(self):
        origin = self.start_tls_origin()
        proxy = self.start_sni_proxy(blocked=["blocked.test"])
        names = ["blocked.test", "www.blocked.test", "WWW.Blocked.TEST"]
        for index, name in enumerate(names, start=1):
            with self.subTest(sni=name):
                conn = self.open_tunnel(proxy, f"127.0.0.1:{origin.port}")
                self.assert_tls_refused(conn, name)
                # The upstream is connected before the peek; it must receive nothing.
                self.assertEqual(origin.wait_first_bytes(index), b"")
        self.assertEqual(origin.requests, [])
        self.wait_stderr(proxy, "[sni_policy]", '"blocked.test"', '"www.blocked.test"',
                         "SNI blocked by policy")

        conn = self.open_tunnel(proxy, f"127.0.0.1:{origin.port}")
        self.assertEqual(self.tls_fetch(conn, "localhost"), FIXED_BODY)
        conn = self.open_tunnel(proxy, f"127.0.0.1:{origin.port}")
        self.assertEqual(self.tls_fetch(conn, "notblocked.test"), FIXED_BODY)
        self.assertEqual(len(origin.requests_for("/fixed")), 2)

    def test_allowed_list_lets_only_its_names_through(self):
        origin = self.start_tls_origin()
        proxy = self.start_sni_proxy(allowed=["localhost", "good.test"])
        for name in ("localhost", "api.good.test"):
            with self.subTest(sni=name):
                conn = self.open_tunnel(proxy, f"127.0.0.1:{origin.port}")
                self.assertEqual(self.tls_fetch(conn, name), FIXED_BODY)
        conn = self.open_tunnel(proxy, f"127.0.0.1:{origin.port}")
        self.assert_tls_refused(conn, "other.test")
        self.assertEqual(origin.wait_first_bytes(3), b"")
        self.wait_stderr(proxy, '"other.test"', "SNI not in the allowed list")


class MissingSni(SniPolicyTestCase):
    def test_non_tls_bytes_are_closed_under_block(self):
        origin = self.start_origin()
        proxy = self.start_sni_proxy()  # on_missing_sni: block is the default
        conn = self.open_tunnel(proxy, f"127.0.0.1:{origin.port}")
        conn.send(b"GET /fixed HTTP/1.1\r\nHost: origin\r\n\r\n")
        self.assertTrue(conn.wait_closed(5), "non-TLS tunnel still open")
        self.assertEqual(bytes(conn.buffer), b"")
        time.sleep(0.2)  # what the origin might still receive would have arrived by now
        self.assertEqual(origin.all_raw_bytes(), b"")
        self.assertEqual(origin.requests, [])
        self.wait_stderr(proxy, "not a TLS ClientHello")

    def test_non_tls_bytes_flow_under_allow(self):
        origin = self.start_origin()
        proxy = self.start_sni_proxy(on_missing_sni="allow")
        conn = self.open_tunnel(proxy, f"127.0.0.1:{origin.port}")
        conn.send(b"GET /fixed HTTP/1.1\r\nHost: origin\r\n\r\n")
        response = conn.read_response()
        self.assertIsNotNone(response)
        self.assertEqual(response.body, FIXED_BODY)
        [seen] = origin.requests_for("/fixed")
        self.assertEqual(seen.raw_head, b"GET /fixed HTTP/1.1\r\nHost: origin\r\n\r\n")

    def test_client_hello_without_sni(self):
        origin = self.start_tls_origin()
        blocking = self.start_sni_proxy()
        conn = self.open_tunnel(blocking, f"127.0.0.1:{origin.port}")
        self.assert_tls_refused(conn, None)  # no server_hostname: no SNI extension
        self.assertEqual(origin.wait_first_bytes(1), b"")
        self.wait_stderr(blocking, "ClientHello without SNI")

        allowing = self.start_sni_proxy(on_missing_sni="allow")
        conn = self.open_tunnel(allowing, f"127.0.0.1:{origin.port}")
        self.assertEqual(self.tls_fetch(conn, None), FIXED_BODY)


class PeekTimeout(SniPolicyTestCase):
    def test_silent_client_is_decided_after_peek_timeout_not_header_read(self):
        server = EofReplyServer(reply_length=10)
        self.addCleanup(server.close)
        proxy = self.start_sni_proxy(timeouts={"header_read": 10}, peek_timeout=0.5)
        conn = self.open_tunnel(proxy, f"127.0.0.1:{server.port}")
        started = time.monotonic()
        self.assertTrue(conn.wait_closed(8), "silent tunnel still open")
        elapsed = time.monotonic() - started
        self.assertGreaterEqual(elapsed, 0.4)
        self.assertLess(elapsed, 3)
        self.wait_stderr(proxy, "not a TLS ClientHello")

    def test_server_first_protocol_flows_after_peek_timeout_under_allow(self):
        """The server speaks first (an SMTP-style banner) and the client waits for it:
        the tunnel is spliced once peek_timeout ends, not after header_read."""
        server = BannerServer(b"220 banner from the server\r\n")
        self.addCleanup(server.close)
        proxy = self.start_sni_proxy(timeouts={"header_read": 10}, peek_timeout=0.3,
                                     on_missing_sni="allow")
        conn = self.open_tunnel(proxy, f"127.0.0.1:{server.port}")
        started = time.monotonic()
        banner = conn.read_until(b"\r\n")
        elapsed = time.monotonic() - started
        self.assertEqual(banner, b"220 banner from the server\r\n")
        self.assertGreaterEqual(elapsed, 0.2)
        self.assertLess(elapsed, 3)
        conn.send(b"QUIT\r\n")
        conn.sock.shutdown(socket.SHUT_WR)
        self.assertTrue(conn.wait_closed(5))
        self.assertEqual(server.wait_received(), b"QUIT\r\n")


class BannerServer:
    """Raw TCP, one connection: sends `banner` at once, then records what the client
    sends until it half-closes."""

    def __init__(self, banner):
        self.banner = banner
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)  # polled, so close() never waits on accept
        self.port = self.listener.getsockname()[1]
        self.received = None
        self._stopping = threading.Event()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        try:
            while True:
                try:
                    conn, _ = self.listener.accept()
                    break
                except socket.timeout:
                    if self._stopping.is_set():
                        return
            with conn:
                conn.settimeout(10)
                conn.sendall(self.banner)
                data = bytearray()
                while piece := conn.recv(65536):
                    data.extend(piece)
                self.received = bytes(data)
        except OSError:
            pass
        finally:
            self._done.set()

    def wait_received(self, timeout=5):
        self._done.wait(timeout)
        return self.received

    def close(self):
        self._stopping.set()
        self._thread.join(timeout=15)
        self.listener.close()


class EncryptedClientHello(SniPolicyTestCase):
    def send_hello(self, proxy, server, ech):
        """Sends a ClientHello for public.test through a tunnel to `server`, which
        answers with the hash of what it got; returns what came back (b"": closed)."""
        conn = self.open_tunnel(proxy, f"127.0.0.1:{server.port}")
        conn.send(client_hello("public.test", ech=ech))
        try:
            conn.sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # already closed by the proxy
        self.assertTrue(conn.wait_closed(5))
        return bytes(conn.buffer)

    def wait_received(self, server, count):
        """What `server` read on each of its first `count` connections (b"" for one the
        proxy closed without forwarding anything)."""
        deadline = time.monotonic() + 5
        while len(server.received) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return list(server.received)

    def test_ech_blocked_when_on_ech_is_block(self):
        server = EofReplyServer(reply_length=10)
        self.addCleanup(server.close)
        proxy = self.start_sni_proxy(on_ech="block")
        self.assertEqual(self.send_hello(proxy, server, ech=True), b"")
        self.wait_stderr(proxy, '"public.test"', "encrypted_client_hello refused by policy")
        self.assertEqual(self.wait_received(server, 1), [b""])
        # The same hello without ECH passes and reaches the server byte for byte.
        reply = self.send_hello(proxy, server, ech=False)
        hello = client_hello("public.test")
        self.assertEqual(reply.split(b"\n", 1)[0].decode(), f"{sha256_hex(hello)} {len(hello)}")

    def test_ech_allowed_by_default_and_outer_name_still_matched(self):
        server = EofReplyServer(reply_length=10)
        self.addCleanup(server.close)
        proxy = self.start_sni_proxy()
        hello = client_hello("public.test", ech=True)
        reply = self.send_hello(proxy, server, ech=True)
        self.assertEqual(reply.split(b"\n", 1)[0].decode(), f"{sha256_hex(hello)} {len(hello)}")

        blocking = self.start_sni_proxy(blocked=["public.test"])
        self.assertEqual(self.send_hello(blocking, server, ech=True), b"")
        self.assertEqual(self.wait_received(server, 2), [hello, b""])


class RequireHostMatch(SniPolicyTestCase):
    def test_sni_must_name_the_connect_host(self):
        origin = self.start_tls_origin()
        proxy = self.start_sni_proxy(require_host_match=True)
        # ASCII case is ignored (trailing dots too, but "localhost." does not resolve).
        conn = self.open_tunnel(proxy, f"LocalHost:{origin.port}")
        self.assertEqual(self.tls_fetch(conn, "localhost"), FIXED_BODY)

        conn = self.open_tunnel(proxy, f"localhost:{origin.port}")
        self.assert_tls_refused(conn, "front.test")
        self.wait_stderr(proxy, '"front.test"', "SNI does not match the CONNECT host")

        # An IP-literal CONNECT host can never equal an SNI: refused.
        conn = self.open_tunnel(proxy, f"127.0.0.1:{origin.port}")
        self.assert_tls_refused(conn, "localhost")
        self.assertEqual(origin.wait_first_bytes(2), b"")
        self.assertEqual(origin.wait_first_bytes(3), b"")
        self.assertEqual(len(origin.requests_for("/fixed")), 1)

    def test_off_by_default(self):
        origin = self.start_tls_origin()
        proxy = self.start_sni_proxy()
        conn = self.open_tunnel(proxy, f"127.0.0.1:{origin.port}")
        self.assertEqual(self.tls_fetch(conn, "front.test"), FIXED_BODY)


class Settings(SniPolicyTestCase):
    def test_bad_values_stop_startup_naming_the_key(self):
        cases = [
            ({"blocked": ["ok.test", ""]}, "blocked[1]"),
            ({"allowed": ["*.ok.test"]}, "allowed[0]"),
            ({"on_missing_sni": "maybe"}, "on_missing_sni"),
            ({"on_ech": "drop"}, "on_ech"),
            ({"peek_timeout": 0}, "peek_timeout"),
            ({"peek_timeout": "5"}, "peek_timeout"),
            ({"require_host_match": "yes"}, "require_host_match"),
            ({"blockd": []}, "blockd"),
        ]
        for settings, key in cases:
            with self.subTest(key=key):
                code, _, stderr = self.check_plugin_config(SNI_ONLY, {"sni_policy": settings})
                self.assertEqual(code, 2, stderr)
                self.assertIn(f"plugins.settings.sni_policy.{key}:", stderr)

    def test_switched_off_plugin_leaves_tunnels_working(self):
        origin = self.start_origin()
        # on_missing_sni: block would close this plain tunnel, but the plugin is off.
        proxy = self.start_proxy(enabled=["http_parser"],
                                 settings={"sni_policy": {"on_missing_sni": "block"}})
        conn = self.open_tunnel(proxy, f"127.0.0.1:{origin.port}")
        conn.send(b"GET /fixed HTTP/1.1\r\nHost: origin\r\n\r\n")
        self.assertEqual(conn.read_response().body, FIXED_BODY)


if __name__ == "__main__":
    unittest.main()
