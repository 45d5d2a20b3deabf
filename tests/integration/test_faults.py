"""Fault injection with real processes: origins that reset mid-body, stay silent or frame
their responses in hostile ways, clients that vanish mid-upload or while the proxy waits,
and plugins that throw, never complete a deferral or block their io thread.

Every test ends with the same recovery check (FaultCase.assert_recovered): the proxy
still serves a keep-alive client byte-exact, holds no more descriptors than before the
fault, and its `proxy_connections_active` gauge is back where it started."""

import json
import os
import re
import socket
import struct
import threading
import time
import unittest

from httpclient import TIMEOUT, Connection, ForwardProxyTestCase, request_bytes
from origins import (FIXED_BODY, RESET_CHUNK_CUT_AT, RESET_CHUNK_SIZE, RESET_CHUNKS_WHOLE,
                     RESET_DECLARED_LENGTH, RESET_SENT_LENGTH, pattern_bytes)
from proxytest import PLUGIN_DIR, ProxyProcess

TEST_PLUGIN_DIR = os.environ.get("PROXY_TEST_PLUGIN_DIR", "")

SETTLE = 3.0  # seconds the proxy gets to give back descriptors after a fault
FD_TOLERANCE = 1  # the count is exact in practice; one spare for a lazily made fd
PROMPT = 1.0  # "at once": well inside every timeout these tests configure
IDLE_ACTIVE = 1  # proxy_connections_active with no client but the scrape itself
ACTIVE_GAUGE = re.compile(rb"^proxy_connections_active (\d+)", re.M)
WATCHDOG_LINE = re.compile(r'plugin "probe" held worker (\d+) for (\d+) ms in on_request')


class ReceivedResponse:
    """One response as parsed from the exact bytes a client received."""

    def __init__(self, status, headers, raw_head):
        self.status = status
        self.headers = headers
        self.raw_head = raw_head
        self.body = b""
        self.framing = None  # "length", "chunked", "close" or "none"
        self.complete = False

    def header(self, name):
        values = [v for n, v in self.headers if n.lower() == name.lower()]
        return values[0] if values else None

    def __repr__(self):
        return (f"<ReceivedResponse {self.status} {self.framing} complete={self.complete} "
                f"{self.headers} body[:120]={self.body[:120]!r}>")


def parse_response(data, closed):
    """The first response in `data` and the bytes after it. `closed`: the connection ended
    after `data` (a close-delimited body is then complete). None if no whole head."""
    end = data.find(b"\r\n\r\n")
    if end < 0:
        return None, data
    raw_head, rest = data[:end + 4], data[end + 4:]
    lines = raw_head.decode("latin-1").split("\r\n")
    version, status, *_ = lines[0].split(" ", 2)
    if not version.startswith("HTTP/1."):
        raise AssertionError(f"not an HTTP response: {raw_head[:200]!r}")
    headers = [(n.strip(), v.strip()) for n, _, v in
               (line.partition(":") for line in lines[1:] if line)]
    response = ReceivedResponse(int(status), headers, raw_head)
    if "chunked" in (response.header("Transfer-Encoding") or "").lower():
        response.framing = "chunked"
        rest = _parse_chunked(response, rest)
    elif response.header("Content-Length") is not None:
        response.framing = "length"
        length = int(response.header("Content-Length"))
        response.body, rest = rest[:length], rest[length:]
        response.complete = len(response.body) == length
    elif "close" in (response.header("Connection") or "").lower():
        response.framing = "close"
        response.body, rest = rest, b""
        response.complete = closed
    else:
        # No length, not chunked and not announced as closing: a keep-alive client cannot
        # tell where this body ends.
        response.framing = "none"
        response.body, rest = rest, b""
    return response, rest


def _parse_chunked(response, data):
    body = bytearray()
    while True:
        line_end = data.find(b"\r\n")
        if line_end < 0:
            break
        size = int(data[:line_end].split(b";")[0].strip(), 16)
        data = data[line_end + 2:]
        if size == 0:  # the last chunk, then trailer fields up to an empty line
            if data.startswith(b"\r\n"):
                end = 2
            else:
                end = data.find(b"\r\n\r\n")
                end = end + 4 if end >= 0 else -1
            if end >= 0:
                response.complete = True
                data = data[end:]
            break
        body += data[:size]
        if len(data) < size + 2:
            data = b""
            break
        data = data[size + 2:]
    response.body = bytes(body)
    return data


def receive_all(conn, quiet=1.0, limit=8.0):
    """What the proxy sends on `conn` until it closes or resets the connection, or nothing
    arrives for `quiet` seconds, or `limit` seconds pass. Returns (bytes, closed)."""
    data = bytearray(conn.buffer)
    conn.buffer.clear()
    deadline = time.monotonic() + limit
    closed = False
    try:
        while time.monotonic() < deadline:
            conn.sock.settimeout(min(quiet, max(0.01, deadline - time.monotonic())))
            piece = conn.sock.recv(1 << 20)
            if not piece:
                closed = True
                break
            data += piece
    except (ConnectionResetError, BrokenPipeError):
        closed = True
    except socket.timeout:
        pass
    finally:
        conn.sock.settimeout(TIMEOUT)
    return bytes(data), closed


def fd_targets(pid):
    targets = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            targets.append(os.readlink(f"/proc/{pid}/fd/{fd}"))
        except OSError:
            pass  # closed meanwhile
    return targets


def open_fds(pid):
    """Descriptors other than pipes: the sockets, files and event fds a session may leak.
    Pipes are the splice pool's, kept for reuse (see pooled_pipe_fds)."""
    return sum(1 for target in fd_targets(pid) if not target.startswith("pipe:"))


def pooled_pipe_fds(pid):
    return sum(1 for target in fd_targets(pid) if target.startswith("pipe:"))


# The splice pool keeps at most 16 free pipes (2 descriptors each) per worker thread.
MAX_POOLED_PIPE_FDS = 2 * 16 * 2


def reset_on_close(sock):
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


class FaultCase(ForwardProxyTestCase):
    """Starts the proxy with the parser and metrics plugins (and the test-only probe),
    short timeouts, and records the baseline assert_recovered compares against."""

    def start_faults_proxy(self, server=None, timeouts=None, probe=False):
        if probe:
            self.assertTrue(TEST_PLUGIN_DIR and os.path.isdir(TEST_PLUGIN_DIR),
                            "PROXY_TEST_PLUGIN_DIR must name the test plugins' folder")
        config = {
            "server": {"listen": "127.0.0.1", "port": 0, "workers": 2, "shutdown_grace": 1,
                       **(server or {})},
            "timeouts": {"header_read": 2, "connect": 2, "idle": 2, "hook": 1,
                         **(timeouts or {})},
            "plugins": {"dirs": [PLUGIN_DIR] + ([TEST_PLUGIN_DIR] if probe else []),
                        "enabled": ["http_parser", "metrics"] + (["probe"] if probe else [])},
        }
        # JSON is YAML's flow style.
        proxy = ProxyProcess("--config", self.configs.write("faults.yaml", json.dumps(config)))
        self.addCleanup(self._stop_proxy, proxy)
        self.origin = self.start_origin()
        self.transfers = 0
        self.assert_served_exactly(proxy)  # warm-up: whatever a first request allocates
        # The warm-up's session ends a moment after its client closed: count descriptors
        # once the gauge says only the scrape is open.
        active = self.wait_active(proxy, lambda value: value == IDLE_ACTIVE)
        self.assertEqual(active, IDLE_ACTIVE, "the warm-up connection is still counted")
        self.baseline_fds = self.settled_fds(proxy)
        return proxy

    # -- what a healthy proxy looks like ---------------------------------------------------

    def assert_served_exactly(self, proxy):
        """Two requests on one keep-alive connection: a fixed body and a streamed download,
        both byte-exact."""
        self.assert_proxy_alive(proxy)
        self.transfers += 1
        target = f"/download/{300_000 + self.transfers}"
        conn, fixed = self.admitted_exchange(proxy, within=SETTLE)
        with conn:
            self.assertIsNotNone(fixed, "proxy closed instead of answering /fixed")
            self.assertEqual((fixed.status, fixed.body), (200, FIXED_BODY))
            self.assertFalse(fixed.closes(), fixed)
            conn.send(request_bytes("GET", self.origin.url(target)))
            download = conn.read_response(keep_body=False)
            self.assertIsNotNone(download, "proxy closed instead of answering the download")
            self.assertEqual(download.status, 200, download)
            self.assertTrue(download.complete, download)
        self.assertEqual((download.body_length, download.body_sha256),
                         self.origin.wait_download(target))

    def connections_active(self, proxy):
        """The gauge, read through /_metrics (the scrape's own connection counts), or None
        when the proxy refused or dropped the scrape's connection."""
        try:
            with Connection(proxy.port, timeout=2) as conn:
                conn.send(b"GET /_metrics HTTP/1.1\r\nHost: proxy\r\nConnection: close\r\n\r\n")
                response = conn.read_response()
        except OSError:
            return None
        if response is None or response.status != 200:
            return None
        match = ACTIVE_GAUGE.search(response.body)
        self.assertIsNotNone(match, "no proxy_connections_active in /_metrics")
        return int(match.group(1))

    def wait_active(self, proxy, predicate, timeout=SETTLE):
        deadline = time.monotonic() + timeout
        while True:
            value = self.connections_active(proxy)
            if predicate(value) or time.monotonic() > deadline:
                return value
            time.sleep(0.05)

    def settled_fds(self, proxy):
        """The proxy's descriptor count once two samples 100 ms apart agree."""
        previous = open_fds(proxy.proc.pid)
        deadline = time.monotonic() + SETTLE
        while time.monotonic() < deadline:
            time.sleep(0.1)
            current = open_fds(proxy.proc.pid)
            if current == previous:
                return current
            previous = current
        return previous

    def assert_recovered(self, proxy):
        """After a fault: still serving byte-exact, descriptors and the active-connection
        gauge back to their baselines within SETTLE seconds."""
        self.assert_served_exactly(proxy)
        active = self.wait_active(proxy, lambda value: value == IDLE_ACTIVE)
        self.assertEqual(active, IDLE_ACTIVE,
                         f"proxy_connections_active {active} (None: scrape refused) "
                         f"{SETTLE} s after the fault; {IDLE_ACTIVE} is the scrape alone")
        deadline = time.monotonic() + SETTLE
        while True:
            fds = open_fds(proxy.proc.pid)
            if fds <= self.baseline_fds + FD_TOLERANCE or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        self.assertLessEqual(fds, self.baseline_fds + FD_TOLERANCE,
                             f"descriptor leak: {fds} open, {self.baseline_fds} before the fault")
        pipes = pooled_pipe_fds(proxy.proc.pid)
        self.assertLessEqual(pipes, MAX_POOLED_PIPE_FDS, f"pipe leak: {pipes} pipe descriptors")
        self.assert_proxy_alive(proxy)

    def admitted_exchange(self, proxy, within):
        """A new connection that the proxy admitted, and its answer to GET /fixed. The
        connection limits close a refused connection without a word, and a slot freed by
        a client that just left may take a moment to come back: so this retries for
        `within` seconds. Returns (the connection, its response or None)."""
        deadline = time.monotonic() + within
        while True:
            conn = Connection(proxy.port, timeout=2)
            try:
                conn.send(request_bytes("GET", self.origin.url("/fixed")))
                response = conn.read_response()
            except OSError:
                response = None
            if response is not None or time.monotonic() > deadline:
                conn.sock.settimeout(TIMEOUT)
                return conn, response
            conn.close()
            time.sleep(0.02)

    def wait_admitted(self, proxy, within):
        """Seconds until a new connection is admitted and served /fixed byte-exact, or
        None if that does not happen within `within` seconds."""
        started = time.monotonic()
        conn, response = self.admitted_exchange(proxy, within)
        conn.close()
        if response is not None and response.status == 200 and response.body == FIXED_BODY:
            return time.monotonic() - started
        return None

    @staticmethod
    def wait_stderr(proxy, pattern, timeout=3):
        """True once the proxy's stderr (read by a thread, so a little behind) matches."""
        deadline = time.monotonic() + timeout
        while not pattern.search(proxy.stderr):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True

    def wait_request(self, path, timeout=5):
        """The first request for `path` the origin received, once it has."""
        deadline = time.monotonic() + timeout
        while not self.origin.requests_for(path) and time.monotonic() < deadline:
            time.sleep(0.01)
        requests = self.origin.requests_for(path)
        self.assertTrue(requests, f"{path} never reached the origin")
        return requests[0]


class OriginResets(FaultCase):
    """An origin that resets (SO_LINGER 0) mid-body: the client sees its connection end
    without a complete body, never a fabricated success."""

    def _reset_mid_body(self, path):
        proxy = self.start_faults_proxy(timeouts={"idle": 10})
        conn = self.connect(proxy)
        started = time.monotonic()
        conn.send(request_bytes("GET", self.origin.url(path)))
        data, closed = receive_all(conn, quiet=5, limit=8)
        elapsed = time.monotonic() - started
        self.assertTrue(closed, "client connection left open after the origin's reset")
        self.assertLess(elapsed, 3, "the reset was noticed only by a timeout")
        response, _ = parse_response(data, closed)
        return proxy, response

    def test_reset_mid_content_length_body(self):
        proxy, response = self._reset_mid_body("/reset")
        if response is not None:  # a reset of the client connection may discard it all
            self.assertEqual(response.status, 200, response)
            self.assertEqual(response.framing, "length", response)
            self.assertFalse(response.complete, response)
            self.assertLessEqual(len(response.body), RESET_SENT_LENGTH)
            self.assertEqual(response.body, pattern_bytes(len(response.body)))
        self.assertLess(RESET_SENT_LENGTH, RESET_DECLARED_LENGTH)
        self.assert_recovered(proxy)

    def test_reset_mid_chunked_body(self):
        proxy, response = self._reset_mid_body("/reset-chunked")
        if response is not None:
            self.assertEqual(response.status, 200, response)
            self.assertEqual(response.framing, "chunked", response)
            self.assertFalse(response.complete, "a last-chunk the origin never sent")
            sent = RESET_CHUNK_SIZE * RESET_CHUNKS_WHOLE + RESET_CHUNK_CUT_AT
            self.assertLessEqual(len(response.body), sent)
            self.assertEqual(response.body, pattern_bytes(len(response.body)))
        self.assert_recovered(proxy)


class SilentOrigin(FaultCase):
    """An origin that accepts, reads the request and never answers."""

    def test_504_within_timeouts_idle_and_upstream_released(self):
        proxy = self.start_faults_proxy(timeouts={"idle": 1.5})
        conn = self.connect(proxy)
        started = time.monotonic()
        conn.send(request_bytes("GET", self.origin.url("/never")))
        data, closed = receive_all(conn, quiet=4, limit=6)
        answered = time.monotonic()
        response, rest = parse_response(data, closed)
        self.assertIsNotNone(response, "closed without a 504")
        self.assertEqual((response.status, response.complete, rest), (504, True, b""), response)
        self.assertTrue(closed, "connection left open after the 504")
        self.assertGreater(answered - started, 1.2)
        self.assertLess(answered - started, 3.5)
        request = self.wait_request("/never")
        ended = self.origin.wait_ended(request.conn_id, timeout=PROMPT)
        self.assertIsNotNone(ended, "the upstream connection is still open after the 504")
        self.assert_recovered(proxy)

    # The client closes while the proxy waits for the response head: the proxy lets
    # go of the upstream connection and the client's per-IP slot now, not when
    # timeouts.idle would end the wait.
    def test_client_leaving_frees_upstream_and_slot_at_once(self):
        proxy = self.start_faults_proxy(server={"max_connections_per_ip": 1},
                                        timeouts={"idle": 8})
        conn = Connection(proxy.port)
        conn.send(request_bytes("GET", self.origin.url("/never")))
        request = self.wait_request("/never")
        left = time.monotonic()
        conn.close()
        ended = self.origin.wait_ended(request.conn_id, timeout=PROMPT * 2)
        admitted_after = self.wait_admitted(proxy, within=PROMPT * 2)
        upstream_after = None if ended is None else ended - left
        self.assertTrue(upstream_after is not None and upstream_after < PROMPT
                        and admitted_after is not None and admitted_after < PROMPT,
                        f"after the client left: upstream closed after {upstream_after} s, "
                        f"a new connection admitted after {admitted_after} s "
                        f"(None: not within {PROMPT * 2} s; timeouts.idle is 8 s)")
        self.assert_recovered(proxy)


class HostileFraming(FaultCase):
    """Responses whose framing is ambiguous or absurd: never relayed with broken framing,
    never a hang or a crash."""

    def exchange_raw(self, proxy, path, quiet=1.5):
        conn = self.connect(proxy)
        conn.send(request_bytes("GET", self.origin.url(path)))
        data, closed = receive_all(conn, quiet=quiet, limit=6)
        conn.close()  # a kept-alive connection would count in the recovery check
        response, rest = parse_response(data, closed)
        self.assertIsNotNone(response, f"no response head; received {data[:300]!r}")
        return response, rest, closed

    def assert_one_framed_response_or_502(self, response, rest, body):
        """Either a complete 502, or exactly one response whose body is the origin's,
        delimited the way its own head declares, with nothing after it."""
        self.assertEqual(rest, b"", f"bytes past the response: {rest[:200]!r}")
        if response.status == 502:
            self.assertTrue(response.complete, response)
            return
        self.assertEqual(response.status, 200, response)
        self.assertIn(response.framing, ("length", "chunked"), response)
        self.assertTrue(response.complete, response)
        self.assertEqual(response.body, body)

    def test_content_length_with_transfer_encoding_is_502(self):
        proxy = self.start_faults_proxy()
        self.origin.script("/cl-te", b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
                                     b"Transfer-Encoding: chunked\r\n\r\n"
                                     b"5\r\nhello\r\n0\r\n\r\n")
        response, rest, closed = self.exchange_raw(proxy, "/cl-te")
        self.assertEqual((response.status, response.complete, rest), (502, True, b""), response)
        self.assertNotIn(b"hello", response.body)
        self.assertTrue(closed, "connection left open after the 502")
        self.assert_recovered(proxy)

    def test_connection_naming_content_length_keeps_framing_or_502(self):
        proxy = self.start_faults_proxy(timeouts={"idle": 5})
        body = b"hello world\n"
        self.origin.script("/conn-cl", b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n"
                                       b"Connection: Content-Length\r\n\r\n%s"
                           % (len(body), body), close=False)
        response, rest, _ = self.exchange_raw(proxy, "/conn-cl")
        self.assert_one_framed_response_or_502(response, rest, body)
        self.assert_recovered(proxy)

    def test_connection_naming_transfer_encoding_keeps_framing_or_502(self):
        proxy = self.start_faults_proxy(timeouts={"idle": 5})
        body = b"hello chunks\n"
        self.origin.script("/conn-te", b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
                                       b"Connection: Transfer-Encoding\r\n\r\n"
                                       b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body),
                           close=False)
        response, rest, _ = self.exchange_raw(proxy, "/conn-te")
        self.assert_one_framed_response_or_502(response, rest, body)
        self.assert_recovered(proxy)

    # The overflowing size arrives with the head: the proxy has it before it answers
    # the client, so the answer is 502, not a 200 cut short.
    def test_chunk_size_of_2_to_the_64_is_502(self):
        proxy = self.start_faults_proxy(timeouts={"idle": 5})
        for size in (b"10000000000000000", b"ffffffffffffffff1"):
            with self.subTest(size=size):
                path = f"/chunk-{size.decode()}"
                self.origin.script(path, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                         + size + b"\r\n" + b"x" * 64)
                started = time.monotonic()
                response, rest, closed = self.exchange_raw(proxy, path, quiet=4)
                self.assertLess(time.monotonic() - started, 3)
                self.assertEqual((response.status, response.complete), (502, True), response)
                self.assertEqual(rest, b"")
                self.assertTrue(closed, "connection left open after the 502")
        self.assert_recovered(proxy)

    # The overflowing size comes after a good chunk the proxy has already passed on:
    # the client's response ends incomplete, at once, and nothing is made up.
    def test_chunk_size_overflow_after_the_head_ends_the_response(self):
        proxy = self.start_faults_proxy(timeouts={"idle": 8})
        self.origin.script("/late-overflow",
                           [b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                            b"5\r\nhello\r\n", b"ffffffffffffffff1\r\n" + b"x" * 64])
        started = time.monotonic()
        response, rest, closed = self.exchange_raw(proxy, "/late-overflow", quiet=6)
        self.assertTrue(closed, "client connection left open after a broken chunk size")
        self.assertLess(time.monotonic() - started, 3, "ended by a timeout, not the error")
        if response.status != 502:
            self.assertEqual(response.status, 200, response)
            self.assertFalse(response.complete, response)
            self.assertEqual(response.body, b"hello")
            self.assertEqual(rest, b"")
        self.assert_recovered(proxy)


class ClientVanishesMidUpload(FaultCase):
    """A client sends a head declaring 1,000,000 bytes, 10 KB of body, then goes away: the
    proxy closes the upstream side at once."""

    def _vanish(self, reset):
        proxy = self.start_faults_proxy(timeouts={"idle": 8})
        accepted = self.origin.connections_accepted
        conn = Connection(proxy.port)
        head = request_bytes("POST", self.origin.url("/echo"),
                             [("Content-Length", "1000000")])
        conn.send(head + pattern_bytes(10_000))
        upstream = accepted + 1  # the origin numbers its connections from 1
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and self._body_received(upstream) < 10_000:
            time.sleep(0.01)
        self.assertEqual(self._body_received(upstream), 10_000,
                         "the 10 KB of body sent never all reached the origin")
        if reset:
            reset_on_close(conn.sock)
        left = time.monotonic()
        conn.close()
        ended = self.origin.wait_ended(upstream, timeout=4)
        self.assertIsNotNone(ended, "origin connection still open 4 s after the client left")
        self.assertLess(ended - left, 1.5, "the upstream side was closed only by a timeout")
        self.assertEqual(self.origin.requests_for("/echo"), [])  # never completed
        self.assert_recovered(proxy)

    def _body_received(self, conn_id):
        """Bytes past the request head the origin has received on connection `conn_id`."""
        raw = bytes(self.origin.raw_by_connection.get(conn_id, b""))
        end = raw.find(b"\r\n\r\n")
        return 0 if end < 0 else len(raw) - end - 4

    def test_client_closing_mid_upload(self):
        self._vanish(reset=False)

    def test_client_resetting_mid_upload(self):
        self._vanish(reset=True)


class MisbehavingPlugins(FaultCase):
    """The probe plugin (tests/integration/plugins/probe.cpp) throws, defers forever or
    blocks its io thread, selected by the request target."""

    def test_throw_in_on_request_is_500_and_proxy_keeps_serving(self):
        proxy = self.start_faults_proxy(probe=True)
        accepted = self.origin.connections_accepted
        response = self.exchange(proxy, request_bytes("GET", self.origin.url("/fixed?throw")))
        self.assertEqual(response.status, 500, response)
        self.assertEqual(self.origin.connections_accepted, accepted)
        self.assertTrue(self.wait_stderr(proxy, re.compile(r"\[probe\].*probe threw")),
                        proxy.stderr)
        self.assert_recovered(proxy)

    def test_never_completed_deferral_is_503_after_timeouts_hook(self):
        proxy = self.start_faults_proxy(probe=True, timeouts={"hook": 1})
        started = time.monotonic()
        response = self.exchange(proxy,
                                 request_bytes("GET", self.origin.url("/fixed?defer-never")))
        elapsed = time.monotonic() - started
        self.assertEqual(response.status, 503, response)
        self.assertGreater(elapsed, 0.9)
        self.assertLess(elapsed, 2.5)
        self.assert_recovered(proxy)

    def test_client_leaving_during_deferral_frees_slot_at_once(self):
        proxy = self.start_faults_proxy(probe=True, server={"max_connections_per_ip": 1},
                                        timeouts={"hook": 8})
        conn = Connection(proxy.port)
        conn.send(request_bytes("GET", self.origin.url("/fixed?defer-never")))
        time.sleep(0.3)  # on_request has run and deferred by now
        conn.close()
        admitted_after = self.wait_admitted(proxy, within=PROMPT * 2)
        self.assertTrue(admitted_after is not None and admitted_after < PROMPT,
                        f"a new connection was admitted after {admitted_after} s (None: not "
                        f"within {PROMPT * 2} s; timeouts.hook is 8 s)")
        self.assert_recovered(proxy)

    # A plugin that sleeps 2 s in on_request stalls its own worker only: with two
    # workers, new connections land on the other one too and are served meanwhile; and
    # the proxy says which plugin held which worker for how long.
    def test_blocking_plugin_holds_one_worker_and_is_named(self):
        proxy = self.start_faults_proxy(probe=True, timeouts={"hook": 5, "idle": 5})
        blocked = self.connect(proxy)
        started = time.monotonic()
        blocked.send(request_bytes("GET", self.origin.url("/fixed?block-2000")))
        time.sleep(0.2)
        latencies = [None] * 6
        bodies = [None] * 6

        def client(index):
            begun = time.monotonic()
            try:
                with Connection(proxy.port, timeout=6) as conn:
                    conn.send(request_bytes("GET", self.origin.url(f"/fixed?other-{index}")))
                    response = conn.read_response()
            except OSError:
                return
            if response is not None and response.status == 200:
                latencies[index] = time.monotonic() - begun
                bodies[index] = response.body

        threads = [threading.Thread(target=client, args=(i,)) for i in range(len(latencies))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        during = time.monotonic() - started
        response = blocked.read_response()
        held = time.monotonic() - started
        self.assertIsNotNone(response, "the blocked request was dropped")
        self.assertEqual((response.status, response.body), (200, FIXED_BODY))
        self.assertGreater(held, 1.9)
        self.assertTrue(all(body == FIXED_BODY for body in bodies),
                        f"not every other client was served: {latencies}")
        self.assertLess(min(latencies), 0.5,
                        f"no other connection was served while one worker was held: "
                        f"{latencies} (all done {during:.2f} s after the block began)")
        self.wait_stderr(proxy, WATCHDOG_LINE)
        reports = WATCHDOG_LINE.findall(proxy.stderr)
        self.assertTrue(reports, 'no line like \'plugin "probe" held worker N for M ms in '
                                 f"on_request' on stderr:\n{proxy.stderr}")
        self.assertTrue(all(int(worker) < 2 for worker, _ in reports), reports)
        self.assertGreaterEqual(max(int(ms) for _, ms in reports), 1500, reports)
        blocked.close()
        self.assert_recovered(proxy)


if __name__ == "__main__":
    unittest.main()
