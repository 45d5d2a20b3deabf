"""CONNECT tunnels: a TLS session end to end through the proxy (the proxy never sees
plaintext), byte-exact bodies inside it, half-close passed on while the other direction
keeps flowing, and the errors a CONNECT can get before the tunnel opens."""

import hashlib
import socket
import time
import unittest

from httpclient import TIMEOUT, ForwardProxyTestCase, recv_until_eof
from origins import (EofReplyServer, TestCertificate, pattern_blocks, pattern_bytes,
                     sha256_hex, tls_client_context, tls_server_context)


def open_tunnel(test, proxy, authority):
    """CONNECT `authority`; returns the connection after a 200, failing the test
    otherwise."""
    conn = test.connect(proxy)
    conn.send(f"CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n\r\n".encode())
    response = conn.read_response("CONNECT")
    test.assertIsNotNone(response, "proxy closed instead of answering CONNECT")
    test.assertEqual(response.status, 200, response)
    test.assertEqual(conn.buffer, b"", "bytes after the 200 before anything was sent")
    return conn


class TlsThroughTunnel(TestCertificate, ForwardProxyTestCase):
    def setUp(self):
        super().setUp()
        self.origin = self.start_origin(tls_context=tls_server_context(self.cert, self.key))
        self.proxy = self.start_proxy()

    def tls_over_tunnel(self):
        conn = open_tunnel(self, self.proxy, f"127.0.0.1:{self.origin.port}")
        tls = tls_client_context(self.cert).wrap_socket(conn.sock, server_hostname="localhost")
        tls.settimeout(TIMEOUT)
        return tls

    def test_tls_handshake_and_request_inside_tunnel(self):
        tls = self.tls_over_tunnel()
        self.addCleanup(tls.close)
        self.assertEqual(tls.getpeercert()["subject"], ((("commonName", "localhost"),),))
        size = 3_000_000
        tls.sendall(f"GET /download/{size} HTTP/1.1\r\nHost: localhost\r\n"
                    f"Connection: close\r\n\r\n".encode())
        received = recv_until_eof(tls)
        head, _, body = received.partition(b"\r\n\r\n")
        self.assertTrue(head.startswith(b"HTTP/1.1 200 OK"), head)
        self.assertIn(f"Content-Length: {size}".encode(), head)
        self.assertEqual(sha256_hex(body), self.origin.wait_download(f"/download/{size}")[1])
        self.assertEqual(body, pattern_bytes(size))

    def test_upload_inside_tunnel_is_byte_exact(self):
        tls = self.tls_over_tunnel()
        self.addCleanup(tls.close)
        body = pattern_bytes(2_000_000)
        tls.sendall(f"POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: {len(body)}\r\n"
                    f"Connection: close\r\n\r\n".encode() + body)
        received = recv_until_eof(tls)
        self.assertIn(f'"sha256": "{sha256_hex(body)}"'.encode(), received)
        self.assertIn(f'"length": {len(body)}'.encode(), received)


class PlainTunnel(ForwardProxyTestCase):
    def test_half_close_passes_through(self):
        """The client half-closes after its upload; the server answers only once it saw
        that EOF, so the whole answer arriving proves both the FIN was passed on and the
        other direction stayed open."""
        server = EofReplyServer(reply_length=1_500_000)
        self.addCleanup(server.close)
        proxy = self.start_proxy()
        conn = open_tunnel(self, proxy, f"127.0.0.1:{server.port}")
        upload = pattern_bytes(500_000)
        conn.send(upload)
        conn.sock.shutdown(socket.SHUT_WR)
        received = recv_until_eof(conn.sock)
        line, _, reply = received.partition(b"\n")
        self.assertEqual(line.decode(), f"{sha256_hex(upload)} {len(upload)}")
        self.assertEqual(len(reply), 1_500_000)
        self.assertEqual(hashlib.sha256(reply).hexdigest(),
                         sha256_hex(b"".join(pattern_blocks(1_500_000))))

    # Bytes the client sends right behind the CONNECT head, in the same segment and
    # before the 200 arrives (optimistic data, e.g. a ClientHello), belong to the tunnel.
    def test_bytes_sent_with_the_connect_head_are_forwarded(self):
        server = EofReplyServer(reply_length=10)
        self.addCleanup(server.close)
        proxy = self.start_proxy()
        conn = self.connect(proxy)
        early = b"early bytes sent together with the CONNECT head"
        conn.send(f"CONNECT 127.0.0.1:{server.port} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
                  + early)
        self.assertEqual(conn.read_response("CONNECT").status, 200)
        conn.sock.shutdown(socket.SHUT_WR)
        self.assertTrue(conn.wait_closed(5))
        line = bytes(conn.buffer).split(b"\n", 1)[0].decode()
        self.assertEqual(line, f"{sha256_hex(early)} {len(early)}")

    def test_plain_http_inside_tunnel_keep_alive(self):
        origin = self.start_origin()
        proxy = self.start_proxy()
        conn = open_tunnel(self, proxy, f"127.0.0.1:{origin.port}")
        for _ in range(3):
            conn.send(b"GET /fixed HTTP/1.1\r\nHost: origin\r\n\r\n")
            self.assertEqual(conn.read_response().status, 200)
        self.assertEqual(origin.connections_accepted, 1)
        [first, *_] = origin.requests
        self.assertEqual(first.target, "/fixed")  # untouched: the proxy does not parse it
        self.assertIsNone(first.header("Via"))

    def test_a_tunnel_after_a_request_gets_an_upstream_connection_of_its_own(self):
        origin = self.start_origin()
        proxy = self.start_proxy()
        conn = self.connect(proxy)
        authority = f"127.0.0.1:{origin.port}"
        conn.send(f"GET http://{authority}/fixed HTTP/1.1\r\nHost: {authority}\r\n\r\n"
                  .encode())
        self.assertEqual(conn.read_response().status, 200)
        # The same client connection, the same origin: the kept-alive upstream of the GET
        # carries an HTTP exchange and is not handed to the tunnel.
        conn.send(f"CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n\r\n".encode())
        self.assertEqual(conn.read_response("CONNECT").status, 200)
        conn.send(b"GET /fixed HTTP/1.1\r\nHost: origin\r\n\r\n")
        self.assertEqual(conn.read_response().status, 200)
        self.assertEqual(origin.connections_accepted, 2)
        self.assertEqual([request.conn_id for request in origin.requests], [1, 2])

    def test_connect_refused_port_is_502(self):
        proxy = self.start_proxy()
        closed_port = _closed_port()
        conn = self.connect(proxy)
        conn.send(f"CONNECT 127.0.0.1:{closed_port} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        response = conn.read_response("CONNECT")
        self.assertEqual(response.status, 502)
        self.assertTrue(conn.wait_closed(5))

    def test_connect_to_denied_network_is_403(self):
        proxy = self.start_proxy()
        response = self.exchange(proxy, b"CONNECT 169.254.169.254:443 HTTP/1.1\r\n"
                                        b"Host: 169.254.169.254:443\r\n\r\n", "CONNECT")
        self.assertEqual(response.status, 403)

    def test_connect_without_port_is_400(self):
        proxy = self.start_proxy()
        response = self.exchange(proxy, b"CONNECT 127.0.0.1 HTTP/1.1\r\nHost: x\r\n\r\n",
                                 "CONNECT")
        self.assertEqual(response.status, 400)

    def test_idle_tunnel_is_closed(self):
        server = EofReplyServer()
        self.addCleanup(server.close)
        proxy = self.start_proxy(timeouts={"idle": 1})
        conn = open_tunnel(self, proxy, f"127.0.0.1:{server.port}")
        started = time.monotonic()
        self.assertTrue(conn.wait_closed(6), "idle tunnel still open")
        self.assertLess(time.monotonic() - started, 4)


def _closed_port():
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


if __name__ == "__main__":
    unittest.main()
