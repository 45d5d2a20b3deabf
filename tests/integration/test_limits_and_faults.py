"""Limits and faults: oversized heads, slow clients, broken or silent origins, clients
that vanish, many clients at once, connection caps and denied destinations. In each case
the proxy gives the documented answer within a bounded time and keeps serving others."""

import select
import socket
import struct
import threading
import time
import unittest

from httpclient import TIMEOUT, Connection, ForwardProxyTestCase, request_bytes
from origins import FIXED_BODY, RESET_DECLARED_LENGTH, pattern_blocks, pattern_bytes


def closed_port():
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FaultTestCase(ForwardProxyTestCase):
    def assert_served(self, proxy, origin):
        """A fresh client gets a normal answer: the proxy is still healthy."""
        self.assert_proxy_alive(proxy)
        response = self.exchange(proxy, request_bytes("GET", origin.url("/fixed")))
        self.assertEqual(response.status, 200)
        self.assertEqual(response.body, FIXED_BODY)

    def assert_error_and_close(self, conn, status):
        response = conn.read_response()
        self.assertIsNotNone(response, f"closed without the expected {status}")
        self.assertEqual(response.status, status, response)
        self.assertTrue(conn.wait_closed(5), "connection left open after the error")
        return response


class HeaderLimits(FaultTestCase):
    def setUp(self):
        super().setUp()
        self.origin = self.start_origin()
        self.proxy = self.start_proxy(limits={"max_header_bytes": 2048, "max_headers": 20})

    def test_head_larger_than_max_header_bytes_is_431(self):
        conn = self.connect(self.proxy)
        conn.send(request_bytes("GET", self.origin.url("/fixed"), [("X-Big", "a" * 4000)]))
        self.assert_error_and_close(conn, 431)
        self.assertEqual(self.origin.connections_accepted, 0)
        self.assert_served(self.proxy, self.origin)

    def test_endless_head_is_cut_at_the_cap(self):
        """A client that never ends its head is answered once the cap is passed, not
        when it stops sending."""
        conn = self.connect(self.proxy)
        conn.send(request_bytes("GET", self.origin.url("/fixed"))[:-2])
        try:
            for _ in range(10):
                conn.send(b"X-More: " + b"b" * 500 + b"\r\n")
        except OSError:
            pass  # the proxy may close while we still send
        self.assertTrue(conn.wait_closed(5))
        if conn.buffer:
            self.assertTrue(conn.buffer.startswith(b"HTTP/1.1 431 "), conn.buffer[:100])
        self.assert_served(self.proxy, self.origin)

    def test_more_than_max_headers_is_431(self):
        conn = self.connect(self.proxy)
        conn.send(request_bytes("GET", self.origin.url("/fixed"),
                                [(f"X-H{i}", "v") for i in range(30)]))
        self.assert_error_and_close(conn, 431)
        self.assertEqual(self.origin.connections_accepted, 0)
        self.assert_served(self.proxy, self.origin)

    def test_exactly_max_headers_is_served(self):
        """The cap is a limit, not an off-by-one: 20 fields pass (Host + 19)."""
        response = self.exchange(self.proxy, request_bytes(
            "GET", self.origin.url("/fixed"), [(f"X-H{i}", "v") for i in range(19)]))
        self.assertEqual(response.status, 200)


class SlowClients(FaultTestCase):
    def test_slowloris_is_cut_off_while_others_are_served(self):
        origin = self.start_origin()
        proxy = self.start_proxy(timeouts={"header_read": 2})
        slow = self.connect(proxy)
        request = request_bytes("GET", origin.url("/fixed"))
        normal_latency = []

        def normal_client():
            started = time.monotonic()
            self.assertEqual(
                self.exchange(proxy, request_bytes("GET", origin.url("/fixed"))).status, 200)
            normal_latency.append(time.monotonic() - started)

        started = time.monotonic()
        helper = None
        for index, byte in enumerate(request):
            try:
                slow.sock.send(bytes([byte]))
            except OSError:
                break
            if index == 2:
                helper = threading.Thread(target=normal_client)
                helper.start()
            if select.select([slow.sock], [], [], 0.5)[0] or time.monotonic() - started > 8:
                break
        self.assertTrue(slow.wait_closed(5), "slow client still connected")
        elapsed = time.monotonic() - started
        self.assertIsNotNone(helper, "the slow client was cut off after two bytes")
        helper.join(TIMEOUT)
        self.assertGreater(elapsed, 1.5)
        self.assertLess(elapsed, 4.5)
        if slow.buffer:
            self.assertTrue(slow.buffer.startswith(b"HTTP/1.1 408 "), slow.buffer[:100])
        self.assertEqual(len(normal_latency), 1, "the normal client was not served")
        self.assertLess(normal_latency[0], 1.0)
        self.assertEqual(origin.connections_accepted, 1)  # only the normal client's

    def test_idle_keep_alive_client_is_closed(self):
        origin = self.start_origin()
        proxy = self.start_proxy(timeouts={"idle": 1})
        conn = self.connect(proxy)
        conn.send(request_bytes("GET", origin.url("/fixed")))
        self.assertEqual(conn.read_response().status, 200)
        started = time.monotonic()
        self.assertTrue(conn.wait_closed(5))
        self.assertEqual(conn.buffer, b"")  # closed quietly: no request, no 408
        self.assertLess(time.monotonic() - started, 3)

    def test_client_disappears_mid_upload(self):
        origin = self.start_origin()
        proxy = self.start_proxy()
        conn = Connection(proxy.port)
        conn.send(request_bytes("POST", origin.url("/echo"),
                                [("Content-Length", str(10_000_000))]))
        conn.send(pattern_bytes(1_000_000))
        conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()  # RST
        deadline = time.monotonic() + 5
        while origin.connections_accepted < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assert_served(proxy, origin)
        self.assertEqual(origin.requests_for("/echo"), [])  # never completed


class BrokenOrigins(FaultTestCase):
    def test_refused_upstream_is_502(self):
        proxy = self.start_proxy()
        conn = self.connect(proxy)
        conn.send(request_bytes("GET", f"http://127.0.0.1:{closed_port()}/"))
        self.assert_error_and_close(conn, 502)

    def test_unresolvable_name_is_502(self):
        proxy = self.start_proxy(timeouts={"connect": 3})
        conn = self.connect(proxy)
        conn.send(request_bytes("GET", "http://no-such-host.invalid/"))
        self.assert_error_and_close(conn, 502)

    def test_silent_upstream_is_504_within_idle(self):
        origin = self.start_origin()
        proxy = self.start_proxy(timeouts={"idle": 2})
        conn = self.connect(proxy)
        started = time.monotonic()
        conn.send(request_bytes("GET", origin.url("/never")))
        self.assert_error_and_close(conn, 504)
        elapsed = time.monotonic() - started
        self.assertGreater(elapsed, 1.5)
        self.assertLess(elapsed, 4.5)
        self.assert_served(proxy, origin)

    def test_upstream_reset_mid_body_closes_client(self):
        origin = self.start_origin()
        proxy = self.start_proxy()
        conn = self.connect(proxy)
        started = time.monotonic()
        conn.send(request_bytes("GET", origin.url("/reset")))
        try:
            response = conn.read_response()
        except ConnectionResetError:
            response = None
        self.assertLess(time.monotonic() - started, 5)
        if response is not None:
            self.assertEqual(response.status, 200)
            self.assertFalse(response.complete)
            self.assertLess(response.body_length, RESET_DECLARED_LENGTH)
        self.assert_served(proxy, origin)

    def test_stalled_response_body_closes_client_after_idle(self):
        origin = self.start_origin()
        origin.script("/stall", b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + b"s" * 10,
                      close=False)
        proxy = self.start_proxy(timeouts={"idle": 1})
        conn = self.connect(proxy)
        started = time.monotonic()
        conn.send(request_bytes("GET", origin.url("/stall")))
        response = conn.read_response()
        self.assertEqual(response.status, 200)
        self.assertFalse(response.complete)
        self.assertEqual(response.body, b"s" * 10)
        elapsed = time.monotonic() - started
        self.assertGreater(elapsed, 0.7)
        self.assertLess(elapsed, 3.5)

    def test_stalled_request_body_is_closed_after_idle(self):
        origin = self.start_origin()
        proxy = self.start_proxy(timeouts={"idle": 1})
        conn = self.connect(proxy)
        started = time.monotonic()
        conn.send(request_bytes("POST", origin.url("/echo"), [("Content-Length", "1000")])
                  + b"only part of the body")
        self.assertTrue(conn.wait_closed(5), "stalled upload still open")
        elapsed = time.monotonic() - started
        self.assertGreater(elapsed, 0.7)
        self.assertLess(elapsed, 3.5)
        self.assertEqual(origin.requests_for("/echo"), [])
        self.assert_served(proxy, origin)

    # An origin may answer (413 here) and close before reading the body (RFC 9112 §9.5):
    # the proxy's upload then fails, but the response must still reach the client.
    def test_early_error_response_during_upload_reaches_client(self):
        origin = self.start_origin()
        origin.script("/early", b"HTTP/1.1 413 Payload Too Large\r\nContent-Length: 4\r\n"
                                b"Connection: close\r\n\r\nbig!", before_body=True)
        proxy = self.start_proxy()
        conn = self.connect(proxy)
        size = 8_000_000
        conn.send(request_bytes("POST", origin.url("/early"), [("Content-Length", str(size))]))

        def upload():
            try:
                for block in pattern_blocks(size, block=1 << 16):
                    conn.sock.sendall(block)
            except OSError:
                pass  # expected once the request is refused

        uploader = threading.Thread(target=upload, daemon=True)
        uploader.start()
        try:
            response = conn.read_response()
        except ConnectionResetError:
            response = None
        uploader.join(TIMEOUT)
        self.assertIsNotNone(response, "no response: the origin's 413 was dropped")
        self.assertEqual(response.status, 413)
        self.assertEqual(response.body, b"big!")


    # Forwarding is full duplex: an origin that answers before it has read the body (a
    # 401 here, the connection kept open) is heard at once, not after the whole upload.
    def test_early_answer_reaches_client_while_the_body_still_goes_up(self):
        origin = self.start_origin()
        origin.script("/login", b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 5\r\n\r\nlogin",
                      before_body=True, close=False)
        proxy = self.start_proxy()
        for framing, first_part in ((("Content-Length", "100000"), b"x" * 1000),
                                    (("Transfer-Encoding", "chunked"), b"3e8\r\n" + b"x" * 1000)):
            with self.subTest(framing=framing[0]):
                conn = self.connect(proxy)
                conn.send(request_bytes("POST", origin.url("/login"), [framing]) + first_part)
                conn.sock.settimeout(3)  # the rest of the body is not sent until the answer came
                started = time.monotonic()
                response = conn.read_response()
                self.assertLess(time.monotonic() - started, 2)
                self.assertEqual(response.status, 401)
                self.assertEqual(response.body, b"login")
                self.assertTrue(response.closes(), response.headers)
                self.assertTrue(conn.wait_closed(5), "connection still open after the early answer")


class ManyClients(FaultTestCase):
    CLIENTS = 500

    def test_500_concurrent_clients(self):
        """All connections are open at once before any request is sent, then every
        response is read with one selector: 500 sessions live in the proxy together."""
        origin = self.start_origin()
        proxy = self.start_proxy(server={"max_connections_per_ip": 2000})
        conns = [Connection(proxy.port) for _ in range(self.CLIENTS)]
        for conn in conns:
            self.addCleanup(conn.close)
        request = request_bytes("GET", origin.url("/fixed"), [("Connection", "close")])
        for conn in conns:
            conn.send(request)
        received = _read_all_until_closed([c.sock for c in conns], timeout=30)
        statuses = [data.split(b"\r\n", 1)[0] for data in received]
        ok = [data for data in received if data.startswith(b"HTTP/1.1 200 ")
              and data.endswith(FIXED_BODY)]
        self.assertEqual(len(ok), self.CLIENTS, set(statuses))
        self.assertEqual(origin.connections_accepted, self.CLIENTS)


def _read_all_until_closed(socks, timeout):
    """Everything each socket receives until its peer closes, read with one poll loop."""
    data = {s.fileno(): bytearray() for s in socks}
    by_fd = {s.fileno(): s for s in socks}
    poller = select.poll()
    for s in socks:
        s.setblocking(False)
        poller.register(s, select.POLLIN)
    open_fds = set(by_fd)
    deadline = time.monotonic() + timeout
    while open_fds and time.monotonic() < deadline:
        for fd, _ in poller.poll(200):
            try:
                piece = by_fd[fd].recv(65536)
            except BlockingIOError:
                continue
            except OSError:
                piece = b""
            if piece:
                data[fd].extend(piece)
            else:
                poller.unregister(fd)
                open_fds.discard(fd)
    return [bytes(data[s.fileno()]) for s in socks]


class ConnectionLimits(FaultTestCase):
    def test_per_ip_cap_closes_the_third_connection(self):
        origin = self.start_origin()
        proxy = self.start_proxy(server={"max_connections_per_ip": 2})
        self._assert_third_refused(proxy, origin)

    def test_global_cap_closes_the_third_connection(self):
        origin = self.start_origin()
        proxy = self.start_proxy(server={"max_connections": 2})
        self._assert_third_refused(proxy, origin)

    def _assert_third_refused(self, proxy, origin):
        first, second = self.connect(proxy), self.connect(proxy)
        for conn in (first, second):
            conn.send(request_bytes("GET", origin.url("/fixed")))
            self.assertEqual(conn.read_response().status, 200)
        third = self.connect(proxy)
        try:
            third.send(request_bytes("GET", origin.url("/fixed")))
        except OSError:
            pass
        self.assertTrue(third.wait_closed(5), "third connection was kept")
        self.assertEqual(third.buffer, b"")
        # Closing one frees its slot.
        first.close()
        deadline = time.monotonic() + 5
        while True:
            conn = Connection(proxy.port)
            self.addCleanup(conn.close)
            conn.send(request_bytes("GET", origin.url("/fixed")))
            try:
                response = conn.read_response()
            except ConnectionResetError:
                response = None
            if response is not None or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        self.assertIsNotNone(response, "slot never released")
        self.assertEqual(response.status, 200)


class DeniedNetworks(FaultTestCase):
    def test_metadata_address_is_403_without_connecting(self):
        proxy = self.start_proxy(timeouts={"connect": 5})
        conn = self.connect(proxy)
        started = time.monotonic()
        conn.send(request_bytes("GET", "http://169.254.169.254/latest/meta-data/"))
        self.assert_error_and_close(conn, 403)
        self.assertLess(time.monotonic() - started, 1.5)

    def _denied_origin(self):
        try:
            origin = self.start_origin(host="127.0.0.2")
        except OSError:
            self.skipTest("127.0.0.2 not usable")
        proxy = self.start_proxy(upstream={"deny_networks": ["169.254.0.0/16", "127.0.0.2/32"]})
        return origin, proxy

    def test_custom_deny_network(self):
        origin, proxy = self._denied_origin()
        conn = self.connect(proxy)
        conn.send(request_bytes("GET", origin.url("/fixed")))
        self.assert_error_and_close(conn, 403)
        self.assertEqual(origin.connections_accepted, 0)

    def test_ipv4_mapped_ipv6_cannot_bypass_deny(self):
        origin, proxy = self._denied_origin()
        conn = self.connect(proxy)
        conn.send(request_bytes("GET", f"http://[::ffff:127.0.0.2]:{origin.port}/fixed"))
        response = conn.read_response()
        self.assertEqual(response.status, 403, response)
        self.assertEqual(origin.connections_accepted, 0)

    def test_connect_tunnel_to_denied_network(self):
        origin, proxy = self._denied_origin()
        conn = self.connect(proxy)
        conn.send(f"CONNECT 127.0.0.2:{origin.port} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        response = conn.read_response("CONNECT")
        self.assertEqual(response.status, 403)
        self.assertEqual(origin.connections_accepted, 0)

    def test_other_loopback_still_allowed(self):
        _, proxy = self._denied_origin()
        origin = self.start_origin()
        self.assert_served(proxy, origin)


if __name__ == "__main__":
    unittest.main()
