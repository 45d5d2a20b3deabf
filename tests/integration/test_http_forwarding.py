"""Plain HTTP through the proxy: absolute-form requests reach the origin in origin-form
with the right Host, without hop-by-hop headers and with Via; bodies arrive byte-exact
in both directions whatever their framing; client keep-alive and upstream reuse work;
admin routes and unsupported targets get the documented answers."""

import json
import socket
import time
import unittest

from httpclient import Connection, ForwardProxyTestCase, chunked, request_bytes
from origins import (CHUNKED_BODY, CHUNKED_TRAILER, CLOSE_BODY_LENGTH, FIXED_BODY,
                     pattern_bytes, sha256_hex)


class Forwarding(ForwardProxyTestCase):
    def setUp(self):
        super().setUp()
        self.origin = self.start_origin()
        self.proxy = self.start_proxy()

    def test_get_fixed_length(self):
        response = self.exchange(self.proxy, request_bytes("GET", self.origin.url("/fixed")))
        self.assertEqual(response.status, 200)
        self.assertEqual(response.body, FIXED_BODY)
        [seen] = self.origin.requests_for("/fixed")
        self.assertEqual(seen.method, "GET")
        self.assertEqual(seen.target, "/fixed")  # origin-form
        self.assertEqual(seen.version, "HTTP/1.1")

    def test_query_string_is_kept(self):
        response = self.exchange(self.proxy,
                                 request_bytes("GET", self.origin.url("/fixed?a=1&b=%20x")))
        self.assertEqual(response.status, 200)
        [seen] = self.origin.requests_for("/fixed")
        self.assertEqual(seen.target, "/fixed?a=1&b=%20x")

    def test_head_has_no_body_and_connection_stays_usable(self):
        """A HEAD response announces a length but carries no body: the proxy must not
        wait for one, and the next request on the connection must parse cleanly."""
        conn = self.connect(self.proxy)
        conn.send(request_bytes("HEAD", self.origin.url("/fixed")))
        head = conn.read_response("HEAD")
        self.assertEqual(head.status, 200)
        self.assertEqual(head.header("Content-Length"), str(len(FIXED_BODY)))
        conn.send(request_bytes("GET", self.origin.url("/fixed")))
        get = conn.read_response()
        self.assertEqual(get.status, 200)
        self.assertEqual(get.body, FIXED_BODY)

    def test_post_content_length_body_is_byte_exact(self):
        body = pattern_bytes(700_000)
        response = self.exchange(self.proxy, request_bytes("POST", self.origin.url("/echo"),
                                                           body=body))
        self.assertEqual(response.status, 200)
        self.assertEqual(json.loads(response.body),
                         {"length": len(body), "sha256": sha256_hex(body)})

    def test_post_chunked_body_is_byte_exact(self):
        parts = [b"a", pattern_bytes(100_000), b"\r\n0\r\n\r\n", pattern_bytes(3)]
        body = b"".join(parts)
        response = self.exchange(self.proxy, request_bytes(
            "POST", self.origin.url("/echo"), [("Transfer-Encoding", "chunked")],
            chunked(parts, trailers=b"X-Sum: 1\r\n")))
        self.assertEqual(response.status, 200)
        self.assertEqual(json.loads(response.body),
                         {"length": len(body), "sha256": sha256_hex(body)})
        [seen] = self.origin.requests_for("/echo")
        self.assertEqual(seen.trailers, b"X-Sum: 1\r\n")

    def test_chunked_response_with_trailers(self):
        response = self.exchange(self.proxy, request_bytes("GET", self.origin.url("/chunked")))
        self.assertEqual(response.status, 200)
        self.assertTrue(response.complete)
        self.assertEqual(response.body, CHUNKED_BODY)
        self.assertEqual(response.trailers, CHUNKED_TRAILER)

    def test_close_delimited_response(self):
        """No length: the body ends when the origin closes, so the proxy must close the
        client connection too (and say so)."""
        conn = self.connect(self.proxy)
        conn.send(request_bytes("GET", self.origin.url("/close")))
        response = conn.read_response()
        self.assertEqual(response.status, 200)
        self.assertEqual(response.body, pattern_bytes(CLOSE_BODY_LENGTH))
        self.assertTrue(response.closes(), response.headers)

    def test_http10_client_gets_close(self):
        response = self.exchange(self.proxy, request_bytes("GET", self.origin.url("/fixed"),
                                                           version="HTTP/1.0"))
        self.assertEqual(response.status, 200)
        self.assertEqual(response.body, FIXED_BODY)
        [seen] = self.origin.requests_for("/fixed")
        self.assertEqual(seen.version, "HTTP/1.0")

    def test_expect_100_continue(self):
        """The client waits for 100 Continue before sending the body."""
        body = b"expect body"
        conn = self.connect(self.proxy)
        conn.send(request_bytes("POST", self.origin.url("/echo"),
                                [("Expect", "100-continue"), ("Content-Length", str(len(body)))]))
        interim = conn.read_until(b"\r\n\r\n")
        self.assertTrue(interim.startswith(b"HTTP/1.1 100 "), interim)
        conn.send(body)
        response = conn.read_response()
        self.assertEqual(response.status, 200)
        self.assertEqual(json.loads(response.body)["sha256"], sha256_hex(body))

    def test_origin_404_passes_through(self):
        response = self.exchange(self.proxy, request_bytes("GET", self.origin.url("/missing")))
        self.assertEqual(response.status, 404)
        self.assertEqual(response.body, b"no such path\n")


class HeadersSeenByOrigin(ForwardProxyTestCase):
    def setUp(self):
        super().setUp()
        self.origin = self.start_origin()
        self.proxy = self.start_proxy()

    def test_hop_by_hop_removed_via_added(self):
        response = self.exchange(self.proxy, request_bytes("GET", self.origin.url("/fixed"), [
            ("Connection", "close, X-Foo"), ("X-Foo", "hop"), ("Proxy-Connection", "keep-alive"),
            ("Keep-Alive", "timeout=5"), ("TE", "trailers"), ("Trailer", "X-T"),
            ("Upgrade", "websocket"), ("Proxy-Authorization", "Basic dXNlcjpwYXNz"),
            ("X-End-To-End", "kept"), ("Accept", "*/*")]))
        self.assertEqual(response.status, 200)
        [seen] = self.origin.requests_for("/fixed")
        names = seen.header_names()
        for hop in ("connection", "x-foo", "proxy-connection", "keep-alive", "te", "trailer",
                    "upgrade", "proxy-authorization"):
            self.assertNotIn(hop, names, seen.raw_head)
        self.assertEqual(seen.header("X-End-To-End"), "kept")
        self.assertEqual(seen.header("Accept"), "*/*")
        via = seen.header("Via")
        self.assertIsNotNone(via, seen.raw_head)
        self.assertRegex(via, r"^1\.1 \S+")

    def test_existing_via_is_extended(self):
        self.exchange(self.proxy, request_bytes("GET", self.origin.url("/fixed"),
                                                [("Via", "1.0 fred")]))
        [seen] = self.origin.requests_for("/fixed")
        via = ", ".join(seen.header_values("Via"))
        self.assertTrue(via.startswith("1.0 fred, 1.1 "), via)

    def test_host_is_the_uri_authority(self):
        """RFC 9112 §3.2.2: a proxy replaces Host with the absolute URI's authority."""
        self.exchange(self.proxy, request_bytes("GET", self.origin.url("/fixed"),
                                                host="evil.example"))
        [seen] = self.origin.requests_for("/fixed")
        self.assertEqual(seen.header_values("Host"), [self.origin.authority])

    def test_host_by_name_keeps_port(self):
        """A name (resolved by the proxy) with a non-default port: Host keeps both."""
        self.exchange(self.proxy, request_bytes("GET", f"http://localhost:{self.origin.port}/fixed"))
        [seen] = self.origin.requests_for("/fixed")
        self.assertEqual(seen.header("Host"), f"localhost:{self.origin.port}")

    def test_response_hop_by_hop_removed(self):
        response = self.exchange(self.proxy,
                                 request_bytes("GET", self.origin.url("/hop-response")))
        self.assertEqual(response.status, 200)
        names = response.header_names()
        for hop in ("x-hop-response", "keep-alive", "proxy-connection"):
            self.assertNotIn(hop, names, response.raw_head)
        self.assertEqual(response.header("X-End-To-End"), "kept")
        self.assertIsNotNone(response.header("Via"))
        self.assertEqual(response.body, b"hop response body\n")


class KeepAlive(ForwardProxyTestCase):
    def setUp(self):
        super().setUp()
        self.origin = self.start_origin()
        self.proxy = self.start_proxy()

    def test_several_requests_one_client_connection_one_upstream(self):
        conn = self.connect(self.proxy)
        body = pattern_bytes(10_000)
        for method, path, payload in [("GET", "/fixed", None), ("POST", "/echo", body),
                                      ("GET", "/chunked", None), ("HEAD", "/fixed", None),
                                      ("GET", "/fixed", None)]:
            conn.send(request_bytes(method, self.origin.url(path), body=payload))
            response = conn.read_response(method)
            self.assertIsNotNone(response, f"connection closed before {method} {path}")
            self.assertEqual(response.status, 200, (method, path))
            self.assertFalse(response.closes(), response.headers)
        self.assertEqual(response.body, FIXED_BODY)
        self.assertEqual(self.origin.connections_accepted, 1)
        self.assertEqual({r.conn_id for r in self.origin.requests}, {1})
        self.assertEqual(len(self.origin.requests), 5)

    def test_pipelined_requests_answered_in_order(self):
        conn = self.connect(self.proxy)
        conn.send(request_bytes("GET", self.origin.url("/fixed"))
                  + request_bytes("POST", self.origin.url("/echo"), body=b"pipelined")
                  + request_bytes("GET", self.origin.url("/chunked")))
        first, second, third = (conn.read_response() for _ in range(3))
        self.assertEqual(first.body, FIXED_BODY)
        self.assertEqual(json.loads(second.body)["sha256"], sha256_hex(b"pipelined"))
        self.assertEqual(third.body, CHUNKED_BODY)

    def test_switching_origins_on_one_connection(self):
        other = self.start_origin()
        conn = self.connect(self.proxy)
        for origin in (self.origin, other, self.origin):
            conn.send(request_bytes("GET", origin.url("/fixed")))
            self.assertEqual(conn.read_response().status, 200)
        self.assertEqual(len(self.origin.requests), 2)
        self.assertEqual(len(other.requests), 1)

    def test_client_connection_close_is_honoured(self):
        conn = self.connect(self.proxy)
        conn.send(request_bytes("GET", self.origin.url("/fixed"), [("Connection", "close")]))
        response = conn.read_response()
        self.assertEqual(response.body, FIXED_BODY)
        self.assertTrue(response.closes())
        self.assertTrue(conn.wait_closed(5))

    def test_origin_closing_idle_upstream_is_not_an_error(self):
        """An origin may close an idle keep-alive connection at any time (RFC 9112 §9.8).
        The next request must still be served, on a fresh upstream connection, instead of
        a 502 for a connection the client never saw."""
        conn = self.connect(self.proxy)
        conn.send(request_bytes("GET", self.origin.url("/then-close")))
        self.assertEqual(conn.read_response().status, 200)
        time.sleep(0.5)  # the origin closes 0.1 s after answering
        conn.send(request_bytes("GET", self.origin.url("/fixed")))
        response = conn.read_response()
        self.assertIsNotNone(response)
        self.assertEqual(response.status, 200, response)
        self.assertEqual(response.body, FIXED_BODY)


    def test_an_origin_closing_after_every_answer_loses_no_request(self):
        # The origin closes right after each keep-alive answer: the next request meets
        # either a connection known closed (a new one is opened) or one whose close is
        # still on its way (the request is sent again). Either way none is lost.
        conn = self.connect(self.proxy)
        for i in range(1000):
            conn.send(request_bytes("GET", self.origin.url(f"/close-at-once?{i}")))
            response = conn.read_response()
            self.assertIsNotNone(response, f"request {i}: the proxy closed")
            self.assertEqual(response.status, 200, f"request {i}: {response}")
        self.assertEqual(len(self.origin.requests_for("/close-at-once")), 1000)

    def reused_then_dropped(self, method, body=None):
        """Sends /drop-next, then `method` on the same client connection: the proxy reuses
        the upstream connection, which the origin closes on reading the request."""
        conn = self.connect(self.proxy)
        conn.send(request_bytes("GET", self.origin.url("/drop-next")))
        first = conn.read_response()
        self.assertEqual(first.status, 200, first)
        conn.send(request_bytes(method, self.origin.url("/fixed"), body=body))
        return first, conn.read_response(request_method=method)

    def test_an_idempotent_request_lost_on_a_reused_upstream_is_sent_again(self):
        for method in ("GET", "HEAD", "DELETE"):
            with self.subTest(method=method):
                first, response = self.reused_then_dropped(method)
                self.assertEqual(response.status, 200, response)
                # The origin read it on the reused connection, then served it on a new one.
                dropped = self.origin.dropped[-1]
                self.assertEqual((dropped.method, dropped.conn_id),
                                 (method, int(first.header("X-Origin-Conn"))))
                self.assertNotEqual(response.header("X-Origin-Conn"), first.header("X-Origin-Conn"))
                self.assertEqual(len([r for r in self.origin.requests_for("/fixed")
                                      if r.method == method]), 1)

    def test_a_request_that_cannot_be_repeated_safely_gets_502(self):
        # POST is not idempotent; a PUT with a body cannot be replayed (it streamed up).
        for method, body in (("POST", None), ("PUT", b"payload")):
            with self.subTest(method=method):
                _, response = self.reused_then_dropped(method, body=body)
                self.assertEqual(response.status, 502, response)
                self.assertIn(b"upstream closed the connection", response.body)
                self.assertEqual([r for r in self.origin.requests_for("/fixed")
                                  if r.method == method], [])

    def test_a_fresh_upstream_that_closes_is_not_retried(self):
        # Only a reused connection can be stale: a new one that closes is the origin's
        # answer, and retrying would double its load.
        self.origin.script("/hang-up", b"", close=True)
        response = self.exchange(self.proxy, request_bytes("GET", self.origin.url("/hang-up")))
        self.assertEqual(response.status, 502, response)
        self.assertEqual(len(self.origin.requests_for("/hang-up")), 1)


class TargetsAndAdmin(ForwardProxyTestCase):
    def test_admin_unknown_path_404(self):
        proxy = self.start_proxy()
        response = self.exchange(proxy, b"GET /nonexistent HTTP/1.1\r\nHost: proxy\r\n\r\n")
        self.assertEqual(response.status, 404)

    def test_admin_refused_outside_admin_allow(self):
        proxy = self.start_proxy(admin={"allow": ["10.0.0.0/8"]})
        response = self.exchange(proxy, b"GET /nonexistent HTTP/1.1\r\nHost: proxy\r\n\r\n")
        self.assertEqual(response.status, 403)

    # An absolute-form request to the proxy's own address would loop back into it and
    # arrive from 127.0.0.1, inside admin.allow: it must be refused, never dispatched.
    def test_admin_not_reachable_by_forwarding_to_the_proxy_itself(self):
        proxy = self.start_proxy(admin={"allow": ["127.0.0.1/32"]})
        direct = self._get_from(proxy, "127.0.0.3", "/nonexistent")
        self.assertEqual(direct.status, 403)
        looped = self._get_from(proxy, "127.0.0.3",
                                f"http://127.0.0.1:{proxy.port}/nonexistent")
        self.assertIn(looped.status, (403, 508), looped)

    def _get_from(self, proxy, source_ip, target):
        """A GET sent from `source_ip` (another loopback address) to the proxy."""
        sock = socket.socket()
        self.addCleanup(sock.close)
        try:
            sock.bind((source_ip, 0))
        except OSError:
            self.skipTest(f"{source_ip} not usable")
        sock.settimeout(10)
        sock.connect(("127.0.0.1", proxy.port))
        conn = Connection.from_socket(sock)
        conn.send(f"GET {target} HTTP/1.1\r\nHost: proxy\r\n\r\n".encode())
        response = conn.read_response()
        self.assertIsNotNone(response)
        return response

    def test_https_absolute_form_is_400(self):
        proxy = self.start_proxy()
        conn = self.connect(proxy)
        conn.send(request_bytes("GET", "https://127.0.0.1:1/"))
        response = conn.read_response()
        self.assertEqual(response.status, 400)
        self.assertTrue(conn.wait_closed(5))

    def test_userinfo_in_target_is_400(self):
        proxy = self.start_proxy()
        response = self.exchange(proxy, request_bytes("GET", "http://user:pw@127.0.0.1:1/"))
        self.assertEqual(response.status, 400)


class Ipv6Upstream(ForwardProxyTestCase):
    def test_get_to_ipv6_literal(self):
        try:
            origin = self.start_origin(host="::1")
        except OSError:
            self.skipTest("::1 not available")
        proxy = self.start_proxy()
        response = self.exchange(proxy, request_bytes("GET", origin.url("/fixed")))
        self.assertEqual(response.status, 200)
        self.assertEqual(response.body, FIXED_BODY)
        [seen] = origin.requests_for("/fixed")
        self.assertEqual(seen.header("Host"), f"[::1]:{origin.port}")


if __name__ == "__main__":
    unittest.main()
