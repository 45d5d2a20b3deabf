"""Origin servers the proxy forwards to, written on raw sockets so that what they send
and what they record is exact: the tests compare bytes and hashes, not parsed views.

- OriginServer: HTTP/1.1 with keep-alive; records every request (raw head, headers,
  body length and sha256) and every raw byte received per connection, and answers per
  path (see OriginServer._dispatch). With a TLS context it speaks HTTP inside TLS.
- EofReplyServer: raw TCP; reads until the peer half-closes, then answers. It shows
  that a tunnel passes a half-close on while the other direction keeps flowing.

Large bodies are generated on the fly from a deterministic pattern (pattern_blocks) and
hashed while they move, so a 1 GiB transfer never sits in memory."""

import hashlib
import json
import random
import select
import socket
import ssl
import struct
import subprocess
import tempfile
import threading
import time

ACCEPT_POLL = 0.2
SOCKET_TIMEOUT = 30
RAW_RECORD_CAP = 1 << 20  # bytes of raw input kept per connection (smuggling checks)

FIXED_BODY = b"fixed response body: 0123456789abcdefghijklmnopqrstuvwxyz\n" * 20
CHUNKED_PARTS = [b"first chunk\n", b"x" * 5000, b"", b"third\r\nchunk with CRLF inside\n",
                 bytes(range(256)) * 10]
CHUNKED_BODY = b"".join(CHUNKED_PARTS)
CHUNKED_TRAILER = b"X-Checksum: trailer-value\r\n"
CLOSE_BODY_LENGTH = 300_000
RESET_DECLARED_LENGTH = 1_000_000
RESET_SENT_LENGTH = 20_000
# /reset-chunked: whole chunks of this size, then a chunk cut short by the reset.
RESET_CHUNK_SIZE = 16_384
RESET_CHUNKS_WHOLE = 2
RESET_CHUNK_CUT_AT = 5_000

_PATTERN_BLOCK = 256 * 1024
_PATTERN_BASE = random.Random(20240601).randbytes(_PATTERN_BLOCK)


def pattern_blocks(total, block=_PATTERN_BLOCK):
    """Deterministic pseudo-random bytes, `total` of them, made on demand in pieces of at
    most `block` bytes. The stream is the same whatever the piece size: 256 KiB units,
    each starting with its index so that no two are equal (a proxy that repeated or
    dropped a unit changes the hash)."""
    index = 0
    sent = 0
    while sent < total:
        unit = struct.pack(">Q", index) + _PATTERN_BASE[8:]
        unit = unit[:min(_PATTERN_BLOCK, total - sent)]
        for start in range(0, len(unit), block):
            yield unit[start:start + block]
        sent += len(unit)
        index += 1


def pattern_bytes(total):
    """The first `total` bytes of the pattern, in memory (for small bodies only)."""
    return b"".join(pattern_blocks(total))


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


def make_test_certificate(directory):
    """A self-signed certificate for localhost / 127.0.0.1, made now with the OpenSSL
    CLI; returns (cert path, key path)."""
    cert = f"{directory}/cert.pem"
    key = f"{directory}/key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                    "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-days", "1", "-keyout", key, "-out", cert],
                   check=True, capture_output=True, timeout=60)
    return cert, key


class TestCertificate:
    """Mixin for a test class: one localhost certificate (cls.cert, cls.key), made once
    for the class and removed after it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cert_dir = tempfile.TemporaryDirectory(prefix="proxy-test-cert-")
        cls.cert, cls.key = make_test_certificate(cls.cert_dir.name)

    @classmethod
    def tearDownClass(cls):
        cls.cert_dir.cleanup()
        super().tearDownClass()


class ReceivedRequest:
    """One request as the origin received it."""

    def __init__(self, conn_id, raw_head):
        self.conn_id = conn_id
        self.raw_head = raw_head
        lines = raw_head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        self.method, self.target, self.version = (parts + ["", "", ""])[:3]
        self.headers = []
        for line in lines[1:]:
            if not line:
                continue
            name, _, value = line.partition(":")
            self.headers.append((name, value.strip(" \t")))
        self.body_length = 0
        self.body_sha256 = sha256_hex(b"")
        self.trailers = b""

    @property
    def path(self):
        return self.target.split("?", 1)[0]

    def header(self, name):
        """The first value of `name` (case-insensitive), or None."""
        for field, value in self.headers:
            if field.lower() == name.lower():
                return value
        return None

    def header_values(self, name):
        return [value for field, value in self.headers if field.lower() == name.lower()]

    def header_names(self):
        return {field.lower() for field, _ in self.headers}

    def wants_close(self):
        connection = (self.header("Connection") or "").lower()
        return "close" in connection or self.version != "HTTP/1.1"


class _Reader:
    """Buffered reads from one socket that also keep a capped copy of every raw byte."""

    def __init__(self, sock, record):
        self.sock = sock
        self.buffer = bytearray()
        self.record = record

    def _fill(self):
        data = self.sock.recv(256 * 1024)
        if not data:
            return False
        if len(self.record) < RAW_RECORD_CAP:
            self.record.extend(data[:RAW_RECORD_CAP - len(self.record)])
        self.buffer.extend(data)
        return True

    def read_until(self, marker, limit=1 << 20):
        """Bytes up to and including `marker`; None at EOF before it."""
        while True:
            end = self.buffer.find(marker)
            if end >= 0:
                end += len(marker)
                data = bytes(self.buffer[:end])
                del self.buffer[:end]
                return data
            if len(self.buffer) > limit or not self._fill():
                return None

    def read_stream(self, length):
        """Yields exactly `length` bytes in pieces; raises EOFError when the peer stops."""
        while length > 0:
            if not self.buffer and not self._fill():
                raise EOFError("peer closed mid-body")
            piece = bytes(self.buffer[:length])
            del self.buffer[:len(piece)]
            length -= len(piece)
            yield piece


class OriginServer:
    """A threaded HTTP/1.1 origin on a loopback port; one thread per connection.

    Paths (the query string is ignored):
      /fixed            FIXED_BODY with Content-Length (HEAD: same head, no body)
      /chunked          CHUNKED_PARTS as chunks, then a trailer
      /close            HTTP/1.0-style: no length, body ends when the origin closes
      /echo             JSON {"length", "sha256"} of the request body it received
      /download/N       N pattern bytes with Content-Length, streamed; the sha256 of what
                        was sent is kept in `downloads`
      /slow/N/SECONDS   N pattern bytes spread over SECONDS
      /never            reads the request, never answers; waits until the peer closes
                        (or the server stops), so `ended_at` tells when the proxy let go
      /reset            declares RESET_DECLARED_LENGTH, sends RESET_SENT_LENGTH, then RST
      /reset-chunked    chunked: RESET_CHUNKS_WHOLE chunks of RESET_CHUNK_SIZE pattern
                        bytes, then the first RESET_CHUNK_CUT_AT bytes of one more, then RST
      /then-close       a normal keep-alive answer, then the origin closes the
                        connection quietly (as an origin's idle timeout would)
      /close-at-once    a normal keep-alive answer, and the origin closes right after it
      /drop-next        a normal keep-alive answer; the next request on that connection
                        is read and the connection closed without a byte of answer (an
                        idle timeout that fires as the request arrives); those requests
                        are kept in `dropped`
      /hop-response     a response carrying hop-by-hop headers
      anything else     404
    """

    def __init__(self, host="127.0.0.1", tls_context=None):
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.listener = socket.socket(family, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind((host, 0))
        self.listener.listen(1024)
        self.listener.settimeout(ACCEPT_POLL)
        self.host = host
        self.port = self.listener.getsockname()[1]
        self.tls_context = tls_context
        self.requests = []
        self.raw_by_connection = {}
        self.downloads = {}
        self.connections_accepted = 0
        self.ended_at = {}  # conn_id -> time.monotonic() when its handler finished
        self.scripted = {}
        self.dropped = []
        self._drop_next = set()  # conn_ids whose next request is read and not answered
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._open = set()
        self._threads = []
        self._acceptor = threading.Thread(target=self._accept_loop, daemon=True)
        self._acceptor.start()

    def script(self, path, raw_response, before_body=False, close=True, pause=0.3):
        """Answers `path` with exactly `raw_response` (bytes), to test how the proxy
        takes a malformed or unusual response. With `before_body` the answer goes out
        as soon as the request head arrived, without reading the request body (an
        early error response); with `close` the origin then closes the connection.
        A list of bytes is sent piece by piece, `pause` seconds apart, so that the proxy
        has acted on one piece (sent a response head on, say) before the next comes."""
        self.scripted[path] = (raw_response, before_body, close, pause)

    # -- what tests read ---------------------------------------------------------------

    @property
    def authority(self):
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    def url(self, path):
        return f"http://{self.authority}{path}"

    def requests_for(self, path):
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def all_raw_bytes(self):
        with self._lock:
            return b"".join(bytes(raw) for raw in self.raw_by_connection.values())

    def wait_for_requests(self, count, timeout=10):
        """Waits until at least `count` requests were recorded; returns them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.requests) >= count:
                    return list(self.requests)
            time.sleep(0.02)
        with self._lock:
            return list(self.requests)

    def wait_ended(self, conn_id, timeout=10):
        """The time.monotonic() at which the handler of connection `conn_id` finished (the
        peer closed or reset it, or the origin was done with it); None if still open."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                if conn_id in self.ended_at:
                    return self.ended_at[conn_id]
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.01)

    def wait_download(self, target, timeout=10):
        """(length, sha256) of what /download or /slow sent for `target`; the origin
        records it after its last send, which may be after the client has read it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if target in self.downloads:
                    return self.downloads[target]
            time.sleep(0.02)
        raise AssertionError(f"origin never finished sending {target}")

    # -- lifecycle ---------------------------------------------------------------------

    def close(self):
        self.stopping.set()
        self.listener.close()
        self._acceptor.join(timeout=5)
        with self._lock:
            sockets = list(self._open)
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for thread in list(self._threads):
            thread.join(timeout=5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _accept_loop(self):
        while not self.stopping.is_set():
            try:
                conn, _ = self.listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with self._lock:
                self.connections_accepted += 1
                conn_id = self.connections_accepted
                self.raw_by_connection[conn_id] = bytearray()
                self._open.add(conn)
            thread = threading.Thread(target=self._serve_connection, args=(conn, conn_id),
                                      daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve_connection(self, conn, conn_id):
        sock = conn
        try:
            conn.settimeout(SOCKET_TIMEOUT)
            if self.tls_context is not None:
                sock = self.tls_context.wrap_socket(conn, server_side=True)
            reader = _Reader(sock, self.raw_by_connection[conn_id])
            while not self.stopping.is_set():
                request = self._read_request(reader, conn_id)
                if request is None:
                    break
                with self._lock:
                    if conn_id in self._drop_next:
                        self._drop_next.discard(conn_id)
                        self.dropped.append(request)
                        break
                    self.requests.append(request)
                keep_alive = self._dispatch(sock, request)
                if not keep_alive or request.wants_close():
                    break
        except (OSError, EOFError, ValueError, ssl.SSLError):
            pass
        finally:
            with self._lock:
                self._open.discard(conn)
            try:
                sock.close()
            except OSError:
                pass
            with self._lock:
                self.ended_at[conn_id] = time.monotonic()

    # -- reading -----------------------------------------------------------------------

    def _read_request(self, reader, conn_id):
        head = reader.read_until(b"\r\n\r\n")
        if head is None:
            return None
        request = ReceivedRequest(conn_id, head)
        scripted = self.scripted.get(request.path)
        if scripted is not None and scripted[1]:
            return request
        digest = hashlib.sha256()
        length = 0
        transfer_encoding = (request.header("Transfer-Encoding") or "").lower()
        if "chunked" in transfer_encoding:
            while True:
                size_line = reader.read_until(b"\r\n", limit=4096)
                if size_line is None:
                    raise EOFError("peer closed mid-chunk")
                size = int(size_line.split(b";")[0].strip(), 16)
                if size == 0:
                    trailers = bytearray()
                    while True:
                        line = reader.read_until(b"\r\n", limit=65536)
                        if line is None:
                            raise EOFError("peer closed in trailers")
                        if line == b"\r\n":
                            break
                        trailers.extend(line)
                    request.trailers = bytes(trailers)
                    break
                for piece in reader.read_stream(size):
                    digest.update(piece)
                    length += len(piece)
                if b"".join(reader.read_stream(2)) != b"\r\n":
                    raise ValueError("chunk not followed by CRLF")
        elif request.header("Content-Length") is not None:
            for piece in reader.read_stream(int(request.header("Content-Length"))):
                digest.update(piece)
                length += len(piece)
        request.body_length = length
        request.body_sha256 = digest.hexdigest()
        return request

    # -- answering ---------------------------------------------------------------------

    @staticmethod
    def _head(status, reason, fields, version="HTTP/1.1"):
        lines = [f"{version} {status} {reason}"] + [f"{name}: {value}" for name, value in fields]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def _dispatch(self, sock, request):
        """Answers one request; returns whether the connection may carry another."""
        if request.path in self.scripted:
            raw_response, _, close, pause = self.scripted[request.path]
            pieces = [raw_response] if isinstance(raw_response, bytes) else raw_response
            for index, piece in enumerate(pieces):
                if index:
                    time.sleep(pause)
                sock.sendall(piece)
            if close:
                time.sleep(0.2)  # let the proxy read it all before the FIN/RST
            return not close
        parts = request.path.strip("/").split("/")
        name = parts[0]
        is_head = request.method == "HEAD"
        conn_field = ("X-Origin-Conn", str(request.conn_id))
        if name == "fixed":
            sock.sendall(self._head(200, "OK", [("Content-Type", "text/plain"),
                                                ("Content-Length", len(FIXED_BODY)), conn_field]))
            if not is_head:
                sock.sendall(FIXED_BODY)
            return True
        if name == "chunked":
            out = bytearray(self._head(200, "OK", [("Transfer-Encoding", "chunked"),
                                                   ("Trailer", "X-Checksum"), conn_field]))
            for part in CHUNKED_PARTS:
                if part:
                    out += b"%x\r\n" % len(part) + part + b"\r\n"
            out += b"0\r\n" + CHUNKED_TRAILER + b"\r\n"
            sock.sendall(bytes(out))
            return True
        if name == "close":
            sock.sendall(self._head(200, "OK", [("Content-Type", "application/octet-stream")],
                                    version="HTTP/1.0"))
            for block in pattern_blocks(CLOSE_BODY_LENGTH, block=16 * 1024):
                sock.sendall(block)
            return False
        if name == "echo":
            body = json.dumps({"length": request.body_length,
                               "sha256": request.body_sha256}).encode()
            sock.sendall(self._head(200, "OK", [("Content-Type", "application/json"),
                                                ("Content-Length", len(body)), conn_field]) + body)
            return True
        if name == "download":
            total = int(parts[1])
            self._stream(sock, request, total, [conn_field])
            return True
        if name == "slow":
            total, seconds = int(parts[1]), float(parts[2])
            self._stream(sock, request, total, [conn_field], pieces=10, seconds=seconds)
            return True
        if name == "never":
            self._wait_peer_close(sock)
            return False
        if name == "reset":
            sock.sendall(self._head(200, "OK", [("Content-Length", RESET_DECLARED_LENGTH)]))
            sock.sendall(pattern_bytes(RESET_SENT_LENGTH))
            time.sleep(0.2)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return False
        if name == "reset-chunked":
            out = bytearray(self._head(200, "OK", [("Transfer-Encoding", "chunked"), conn_field]))
            body = pattern_bytes(RESET_CHUNK_SIZE * RESET_CHUNKS_WHOLE + RESET_CHUNK_CUT_AT)
            for start in range(0, RESET_CHUNK_SIZE * RESET_CHUNKS_WHOLE, RESET_CHUNK_SIZE):
                out += b"%x\r\n" % RESET_CHUNK_SIZE + body[start:start + RESET_CHUNK_SIZE] + b"\r\n"
            # The last chunk announces its full size but stops part-way.
            out += b"%x\r\n" % RESET_CHUNK_SIZE + body[RESET_CHUNK_SIZE * RESET_CHUNKS_WHOLE:]
            sock.sendall(bytes(out))
            time.sleep(0.2)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return False
        if name == "close-at-once":
            sock.sendall(self._head(200, "OK", [("Content-Length", len(FIXED_BODY)),
                                                conn_field]) + FIXED_BODY)
            return False
        if name == "drop-next":
            with self._lock:
                self._drop_next.add(request.conn_id)
            sock.sendall(self._head(200, "OK", [("Content-Length", len(FIXED_BODY)),
                                                conn_field]) + FIXED_BODY)
            return True
        if name == "then-close":
            sock.sendall(self._head(200, "OK", [("Content-Length", len(FIXED_BODY)),
                                                conn_field]) + FIXED_BODY)
            time.sleep(0.1)
            return False
        if name == "hop-response":
            body = b"hop response body\n"
            sock.sendall(self._head(200, "OK", [
                ("Content-Length", len(body)), ("Connection", "keep-alive, X-Hop-Response"),
                ("X-Hop-Response", "must not reach the client"),
                ("Keep-Alive", "timeout=30"), ("Proxy-Connection", "keep-alive"),
                ("X-End-To-End", "kept"), conn_field]) + body)
            return True
        body = b"no such path\n"
        sock.sendall(self._head(404, "Not Found", [("Content-Length", len(body)),
                                                   conn_field]) + body)
        return True

    def _wait_peer_close(self, sock):
        """Discards whatever arrives until the peer closes or resets the connection, the
        server stops, or SOCKET_TIMEOUT passes."""
        deadline = time.monotonic() + SOCKET_TIMEOUT
        while not self.stopping.is_set() and time.monotonic() < deadline:
            if not select.select([sock], [], [], ACCEPT_POLL)[0]:
                continue
            try:
                if not sock.recv(65536):
                    return
            except OSError:
                return

    def _stream(self, sock, request, total, fields, pieces=None, seconds=0.0):
        """Sends `total` pattern bytes with Content-Length; records their sha256."""
        sock.sendall(self._head(200, "OK", [("Content-Type", "application/octet-stream"),
                                            ("Content-Length", total), *fields]))
        if request.method == "HEAD":
            return
        digest = hashlib.sha256()
        block = max(1, -(-total // pieces)) if pieces else _PATTERN_BLOCK
        for data in pattern_blocks(total, block=block):
            digest.update(data)
            sock.sendall(data)
            if pieces:
                time.sleep(seconds * len(data) / total)
        with self._lock:
            self.downloads[request.target] = (total, digest.hexdigest())


class EofReplyServer:
    """Raw TCP: reads until the peer half-closes, then sends "<sha256> <length>\\n" of
    what it read followed by `reply_length` pattern bytes, and closes."""

    def __init__(self, reply_length=100_000):
        self.reply_length = reply_length
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.listener.settimeout(ACCEPT_POLL)
        self.port = self.listener.getsockname()[1]
        self.received = []
        self.stopping = threading.Event()
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._thread.start()

    def _accept_loop(self):
        while not self.stopping.is_set():
            try:
                conn, _ = self.listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        with conn:
            conn.settimeout(SOCKET_TIMEOUT)
            data = bytearray()
            try:
                while True:
                    piece = conn.recv(65536)
                    if not piece:
                        break
                    data.extend(piece)
                self.received.append(bytes(data))
                conn.sendall(f"{sha256_hex(bytes(data))} {len(data)}\n".encode())
                for block in pattern_blocks(self.reply_length, block=16 * 1024):
                    conn.sendall(block)
            except OSError:
                pass

    def close(self):
        self.stopping.set()
        self.listener.close()
        self._thread.join(timeout=5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def tls_server_context(cert, key):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


def tls_client_context(cert):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(cert)
    return context
