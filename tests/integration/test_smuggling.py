"""Request smuggling: every ambiguous framing is answered 400, the connection is closed,
and nothing after it reaches the origin. Each vector is followed on the same connection
by "GET http://origin/second"; if the proxy and the origin disagreed on where the first
request ends, /second (or the smuggled path) would reach the origin."""

import unittest

from httpclient import ForwardProxyTestCase, request_bytes
from origins import FIXED_BODY

SMUGGLED_MARKER = b"second"


def vectors(authority):
    """name -> raw first request (each must be refused as a whole)."""
    url = f"http://{authority}"
    host = f"Host: {authority}\r\n"
    get = f"GET {url}/first HTTP/1.1\r\n"
    post = f"POST {url}/echo HTTP/1.1\r\n{host}"
    smuggled = f"GET {url}/second HTTP/1.1\r\n{host}\r\n"
    return {
        "content_length_and_transfer_encoding":
            f"{post}Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n{smuggled}",
        "transfer_encoding_and_content_length":
            f"{post}Transfer-Encoding: chunked\r\nContent-Length: 6\r\n\r\n0\r\n\r\n{smuggled}",
        "two_differing_content_lengths":
            f"{post}Content-Length: 0\r\nContent-Length: {len(smuggled)}\r\n\r\n{smuggled}",
        "obs_fold":
            f"{post}Transfer-Encoding: identity\r\n chunked\r\nContent-Length: 0\r\n\r\n{smuggled}",
        "obs_fold_plain_header":
            f"{get}{host}X-Folded: a\r\n\tb\r\n\r\n",
        "bare_lf_line_ends":
            f"GET {url}/first HTTP/1.1\nHost: {authority}\n\n",
        "bare_lf_inside_head":
            f"{get}{host}X-A: 1\nContent-Length: {len(smuggled)}\r\n\r\n{smuggled}",
        "bare_cr":
            f"{get}{host}X-A: 1\rContent-Length: {len(smuggled)}\r\n\r\n{smuggled}",
        "whitespace_before_colon":
            f"{post}Content-Length : {len(smuggled)}\r\n\r\n{smuggled}",
        "whitespace_before_colon_transfer_encoding":
            f"{post}Transfer-Encoding : chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n{smuggled}",
        "invalid_chunk_size":
            f"{post}Transfer-Encoding: chunked\r\n\r\nzz\r\n{smuggled}\r\n0\r\n\r\n",
        "negative_chunk_size":
            f"{post}Transfer-Encoding: chunked\r\n\r\n-1\r\n{smuggled}\r\n0\r\n\r\n",
        "overflowing_chunk_size":
            f"{post}Transfer-Encoding: chunked\r\n\r\nffffffffffffffffffff\r\n{smuggled}\r\n0\r\n\r\n",
        "nul_in_header_value":
            f"{get}{host}X-A: a\x00b\r\n\r\n{smuggled}",
        "nul_in_header_name":
            f"{get}{host}X-\x00A: b\r\n\r\n{smuggled}",
        "transfer_encoding_chunked_then_gzip":
            f"{post}Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n{smuggled}",
        "transfer_encoding_xchunked":
            f"{post}Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n{smuggled}",
        "content_length_with_sign":
            f"{post}Content-Length: +{len(smuggled)}\r\n\r\n{smuggled}",
        "content_length_list":
            f"{post}Content-Length: 0, {len(smuggled)}\r\n\r\n{smuggled}",
        # Connection options are removed by a proxy: naming the framing in one would
        # forward a body-less POST followed by a request no hook ever saw.
        "connection_names_content_length":
            f"{post}Connection: Content-Length\r\nContent-Length: {len(smuggled)}\r\n\r\n"
            f"{smuggled}",
        "connection_names_transfer_encoding":
            f"{post}Connection: keep-alive, Transfer-Encoding\r\n"
            f"Transfer-Encoding: chunked\r\n\r\n{len(smuggled):x}\r\n{smuggled}\r\n0\r\n\r\n",
        "connection_names_host":
            f"{get}{host}Connection: host\r\n\r\n",
    }


class Smuggling(ForwardProxyTestCase):
    def setUp(self):
        super().setUp()
        self.origin = self.start_origin()
        self.proxy = self.start_proxy()

    def assert_refused(self, name, first):
        follow_up = (f"GET {self.origin.url('/second')} HTTP/1.1\r\n"
                     f"Host: {self.origin.authority}\r\n\r\n")
        conn = self.connect(self.proxy)
        conn.send((first + follow_up).encode("latin-1"))
        response = conn.read_response()
        self.assertIsNotNone(response, f"{name}: closed without a 400")
        self.assertEqual(response.status, 400, f"{name}: {response}")
        self.assertTrue(conn.wait_closed(5), f"{name}: connection left open")
        self.assertEqual(conn.buffer, b"", f"{name}: more bytes after the 400")
        self.assertEqual(self.origin.requests_for("/second"), [], name)
        self.assertNotIn(SMUGGLED_MARKER, self.origin.all_raw_bytes(), name)

    def test_each_vector_is_refused(self):
        for name, first in vectors(self.origin.authority).items():
            with self.subTest(vector=name):
                self.assert_refused(name, first)
        # The proxy still serves a clean request afterwards.
        conn = self.connect(self.proxy)
        conn.send(f"GET {self.origin.url('/fixed')} HTTP/1.1\r\n"
                  f"Host: {self.origin.authority}\r\n\r\n".encode())
        self.assertEqual(conn.read_response().status, 200)

    def test_heads_refused_before_reaching_origin(self):
        """Vectors visible in the head never open an upstream connection at all."""
        head_only = [name for name in vectors(self.origin.authority)
                     if "chunk_size" not in name]
        for name in head_only:
            with self.subTest(vector=name):
                self.assert_refused(name, vectors(self.origin.authority)[name])
        self.assertEqual(self.origin.connections_accepted, 0)


MALFORMED_RESPONSES = {
    "content_length_and_transfer_encoding":
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "two_differing_content_lengths":
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
    "obs_fold": b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: a\r\n b\r\n\r\nhello",
    "bad_status_code": b"HTTP/1.1 2000 OK\r\nContent-Length: 5\r\n\r\nhello",
    "not_http": b"garbage\r\n\r\n",
    "head_too_large": b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 40000 + b"\r\nContent-Length: 0\r\n\r\n",
    "nul_in_header": b"HTTP/1.1 200 OK\r\nX-A: a\x00b\r\nContent-Length: 5\r\n\r\nhello",
}


class ResponseSmuggling(ForwardProxyTestCase):
    """The origin side: a response whose framing is ambiguous is never passed on (the
    client could split it differently than the proxy did); the client gets 502."""

    def setUp(self):
        super().setUp()
        self.origin = self.start_origin()
        self.proxy = self.start_proxy()

    def test_malformed_responses_are_502(self):
        for name, raw in MALFORMED_RESPONSES.items():
            with self.subTest(response=name):
                self.origin.script(f"/{name}", raw)
                conn = self.connect(self.proxy)
                conn.send(request_bytes("GET", self.origin.url(f"/{name}")))
                response = conn.read_response()
                self.assertIsNotNone(response, name)
                self.assertEqual(response.status, 502, f"{name}: {response}")
                self.assertTrue(conn.wait_closed(5), name)

    def test_bytes_past_a_response_never_answer_the_next_request(self):
        """An origin that sends a second, unrequested response after the first (response
        splitting) must not get it delivered as the answer to the client's next request."""
        self.origin.script("/split", b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
                                     b"HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nINJECTED",
                           close=False)
        conn = self.connect(self.proxy)
        conn.send(request_bytes("GET", self.origin.url("/split")))
        self.assertEqual(conn.read_response().body, b"hello")
        conn.send(request_bytes("GET", self.origin.url("/fixed")))
        response = conn.read_response()
        self.assertIsNotNone(response)
        self.assertEqual(response.body, FIXED_BODY)

    def test_connection_naming_the_framing_keeps_the_framing(self):
        """An origin whose Connection field names its own framing field: relayed without
        that field the client could not tell where the body ends, so the framing stays
        and the next response on the connection is read where it starts."""
        scripted = {
            "/cl-option": b"HTTP/1.1 200 OK\r\nConnection: Content-Length, X-Hop\r\n"
                          b"X-Hop: 1\r\nContent-Length: 5\r\n\r\nhello",
            "/te-option": b"HTTP/1.1 200 OK\r\nConnection: Transfer-Encoding\r\n"
                          b"Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        }
        for path, raw in scripted.items():
            with self.subTest(path=path):
                self.origin.script(path, raw, close=False)
                conn = self.connect(self.proxy)
                conn.send(request_bytes("GET", self.origin.url(path)))
                response = conn.read_response()
                self.assertEqual(response.status, 200)
                self.assertEqual(response.body, b"hello")
                framing = (response.header("content-length") or
                           response.header("transfer-encoding"))
                self.assertIsNotNone(framing, f"{path}: relayed without framing: {response}")
                self.assertIsNone(response.header("x-hop"))
                conn.send(request_bytes("GET", self.origin.url("/fixed")))
                self.assertEqual(conn.read_response().body, FIXED_BODY)

    def test_no_body_statuses_carry_no_transfer_encoding(self):
        """A 204 never has a body: relaying the origin's Transfer-Encoding: chunked would
        make a client wait for chunks that never come (or eat the next response)."""
        self.origin.script("/no-content", b"HTTP/1.1 204 No Content\r\n"
                                          b"Transfer-Encoding: chunked\r\n\r\n", close=False)
        conn = self.connect(self.proxy)
        conn.send(request_bytes("GET", self.origin.url("/no-content")))
        head = conn.read_until(b"\r\n\r\n").lower()
        self.assertTrue(head.startswith(b"http/1.1 204"), head)
        self.assertNotIn(b"transfer-encoding", head)
        conn.send(request_bytes("GET", self.origin.url("/fixed")))
        self.assertEqual(conn.read_response().body, FIXED_BODY)

    def test_304_with_content_length_has_no_body(self):
        self.origin.script("/not-modified", b"HTTP/1.1 304 Not Modified\r\n"
                                            b"Content-Length: 100\r\n\r\n", close=False)
        conn = self.connect(self.proxy)
        conn.send(request_bytes("GET", self.origin.url("/not-modified")))
        self.assertEqual(conn.read_response().status, 304)
        conn.send(request_bytes("GET", self.origin.url("/fixed")))
        self.assertEqual(conn.read_response().body, FIXED_BODY)


if __name__ == "__main__":
    unittest.main()
