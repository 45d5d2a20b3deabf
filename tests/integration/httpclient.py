"""Client side of the data-path tests: raw sockets to the proxy, an exact HTTP/1.1
response reader (Content-Length, chunked with trailers, close-delimited), and a test case
base that starts the proxy with per-test settings and origins that stop by themselves."""

import hashlib
import json
import os
import socket
import subprocess
import threading
import time

from origins import OriginServer
from proxytest import (PLUGIN_DIR, PROXY_BIN, ProxyProcess, ProxyTestCase,
                       check_no_sanitizer_report, minimal_config, run_cli)

TIMEOUT = 10


def is_sanitizer_build():
    """True when the binary links a sanitizer runtime (everything runs several times
    slower there, so the big transfers shrink)."""
    try:
        out = subprocess.run(["ldd", PROXY_BIN], capture_output=True, text=True,
                             timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return "asan" in out or "tsan" in out or "ubsan" in out


def big_transfer_bytes():
    """PROXY_TEST_BIG_BYTES, else 1 GiB, or 256 MiB under sanitizers."""
    if os.environ.get("PROXY_TEST_BIG_BYTES"):
        return int(os.environ["PROXY_TEST_BIG_BYTES"])
    return (256 << 20) if is_sanitizer_build() else (1 << 30)


class Response:
    def __init__(self, status, reason, headers, raw_head):
        self.status = status
        self.reason = reason
        self.headers = headers
        self.raw_head = raw_head
        self.body = b""
        self.body_length = 0
        self.body_sha256 = ""
        self.trailers = b""
        self.complete = False  # the body ended where its framing said it would

    def header(self, name):
        for field, value in self.headers:
            if field.lower() == name.lower():
                return value
        return None

    def header_values(self, name):
        return [value for field, value in self.headers if field.lower() == name.lower()]

    def header_names(self):
        return {field.lower() for field, _ in self.headers}

    def closes(self):
        return "close" in (self.header("Connection") or "").lower()

    def __repr__(self):
        return f"<Response {self.status} {self.reason} {self.headers} body={self.body[:200]!r}>"


class Connection:
    """One client TCP connection to the proxy with a read buffer, so several responses
    (keep-alive, pipelining) can be read off it in order."""

    def __init__(self, port, host="127.0.0.1", timeout=TIMEOUT):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.buffer = bytearray()

    @classmethod
    def from_socket(cls, sock):
        """Wraps an already connected socket (e.g. one bound to a chosen source)."""
        conn = cls.__new__(cls)
        conn.sock = sock
        conn.buffer = bytearray()
        return conn

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self):
        data = self.sock.recv(1 << 20)
        if not data:
            return False
        self.buffer.extend(data)
        return True

    def read_until(self, marker):
        while True:
            end = self.buffer.find(marker)
            if end >= 0:
                end += len(marker)
                data = bytes(self.buffer[:end])
                del self.buffer[:end]
                return data
            if not self._fill():
                return None

    def _read_exact(self, length, digest, keep):
        """Consumes up to `length` body bytes; returns how many arrived before EOF."""
        got = 0
        while got < length:
            if not self.buffer and not self._fill():
                break
            take = min(len(self.buffer), length - got)
            piece = self.buffer[:take]
            digest.update(piece)
            if keep is not None:
                keep.extend(piece)
            del self.buffer[:take]
            got += take
        return got

    def read_response(self, request_method="GET", keep_body=True):
        """Reads one response; a body is hashed as it arrives and kept when `keep_body`.
        Returns None when the connection closed before a status line."""
        response = self.read_head()
        if response is not None:
            self.read_body(response, request_method, keep_body)
        return response

    def read_any_head(self):
        """The next response head, interim (1xx, a 101 included) or final; None at EOF."""
        raw_head = self.read_until(b"\r\n\r\n")
        return None if raw_head is None else _parse_head(raw_head)

    def read_head(self):
        """The next final (non-1xx) response head, or None at EOF."""
        while True:
            raw_head = self.read_until(b"\r\n\r\n")
            if raw_head is None:
                return None
            response = _parse_head(raw_head)
            if not 100 <= response.status < 200:
                return response

    def read_body(self, response, request_method="GET", keep_body=True):
        """Reads the body `response`'s framing announces; sets complete, body_length,
        body_sha256 (and body when `keep_body`)."""
        digest = hashlib.sha256()
        keep = bytearray() if keep_body else None
        transfer_encoding = (response.header("Transfer-Encoding") or "").lower()
        tunnel_opened = request_method == "CONNECT" and 200 <= response.status < 300
        if request_method == "HEAD" or response.status in (204, 304) or tunnel_opened:
            response.complete = True
        elif "chunked" in transfer_encoding:
            response.complete = self._read_chunked(response, digest, keep)
        elif response.header("Content-Length") is not None:
            length = int(response.header("Content-Length"))
            response.body_length = self._read_exact(length, digest, keep)
            response.complete = response.body_length == length
        else:
            response.body_length = self._read_exact(1 << 62, digest, keep)
            response.complete = True
        response.body_sha256 = digest.hexdigest()
        if keep is not None:
            response.body = bytes(keep)

    def _read_chunked(self, response, digest, keep):
        while True:
            line = self.read_until(b"\r\n")
            if line is None:
                return False
            size = int(line.split(b";")[0].strip(), 16)
            if size == 0:
                trailers = bytearray()
                while True:
                    line = self.read_until(b"\r\n")
                    if line is None:
                        return False
                    if line == b"\r\n":
                        response.trailers = bytes(trailers)
                        return True
                    trailers.extend(line)
            got = self._read_exact(size, digest, keep)
            response.body_length += got
            if got < size or self.read_until(b"\r\n") != b"\r\n":
                return False

    def wait_closed(self, timeout=TIMEOUT):
        """True when the proxy closes the connection (EOF or reset) within `timeout`;
        bytes that arrive first are kept in the buffer."""
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                self.sock.settimeout(max(0.01, deadline - time.monotonic()))
                data = self.sock.recv(65536)
                if not data:
                    return True
                self.buffer.extend(data)
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False
        finally:
            self.sock.settimeout(TIMEOUT)
        return False


def _parse_head(raw_head):
    lines = raw_head.decode("latin-1").split("\r\n")
    version, status, *reason = lines[0].split(" ", 2)
    if not version.startswith("HTTP/1."):
        raise AssertionError(f"not an HTTP response: {raw_head[:200]!r}")
    headers = []
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers.append((name, value.strip()))
    return Response(int(status), reason[0] if reason else "", headers, raw_head)


def recv_until_eof(sock, chunk=1 << 20):
    """Everything the peer sends until it closes (a plain or TLS socket)."""
    received = bytearray()
    while True:
        data = sock.recv(chunk)
        if not data:
            return bytes(received)
        received.extend(data)


def request_bytes(method, url, headers=(), body=None, version="HTTP/1.1", host=None):
    """An absolute-form request head (plus body); Host defaults to the URL's authority.
    `headers` is a list of (name, value); Content-Length is added for a body unless a
    framing header is already given."""
    authority = url.split("://", 1)[1].split("/", 1)[0] if "://" in url else url
    fields = [("Host", host if host is not None else authority)] + list(headers)
    names = {name.lower() for name, _ in fields}
    if body is not None and "content-length" not in names and "transfer-encoding" not in names:
        fields.append(("Content-Length", str(len(body))))
    head = f"{method} {url} {version}\r\n" + "".join(f"{n}: {v}\r\n" for n, v in fields) + "\r\n"
    return head.encode("latin-1") + (body or b"")


def chunked(parts, trailers=b""):
    """`parts` encoded with chunked transfer coding (empty parts are skipped)."""
    out = bytearray()
    for part in parts:
        if part:
            out += b"%x\r\n" % len(part) + part + b"\r\n"
    return bytes(out + b"0\r\n" + trailers + b"\r\n")


def vm_rss_bytes(pid):
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


class RssSampler:
    """Samples a process's resident set every 50 ms in a thread; `peak` is the highest."""

    def __init__(self, pid):
        self.pid = pid
        self.start = vm_rss_bytes(pid)
        self.peak = self.start
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.wait(0.05):
            try:
                self.peak = max(self.peak, vm_rss_bytes(self.pid))
            except OSError:
                return

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=5)
        return self.peak - self.start


class ForwardProxyTestCase(ProxyTestCase):
    """Starts the proxy with settings for the test; origins and the proxy are stopped
    when the test ends, whatever happened."""

    def start_proxy(self, server=None, limits=None, timeouts=None, upstream=None, admin=None,
                    enabled=None, settings=None, extra_plugin_dirs=None):
        """Each of server..admin is a dict of keys under that config section; they go
        into a second config file merged over minimal_config (maps merge deeply).
        `enabled` replaces plugins.enabled (http_parser alone by default), `settings`
        is a dict {plugin: {key: value}} for plugins.settings, and `extra_plugin_dirs`
        are searched after the built plugins (the test plugins' folder, say)."""
        sections = {"server": server, "limits": limits, "timeouts": timeouts,
                    "upstream": upstream, "admin": admin}
        extra = ""
        for section, values in sections.items():
            if values:
                extra += f"{section}:\n" + "".join(f"  {key}: {_yaml(value)}\n"
                                                   for key, value in values.items())
        plugins = {}
        if enabled is not None:
            plugins["enabled"] = list(enabled)
        if settings:
            plugins["settings"] = settings
        if extra_plugin_dirs:
            plugins["dirs"] = [PLUGIN_DIR] + list(extra_plugin_dirs)
        if plugins:
            # JSON is YAML's flow style: nested settings need no YAML writer.
            extra += "plugins: " + json.dumps(plugins) + "\n"
        base = self.configs.write("base.yaml", minimal_config())
        args = ["--config", base]
        if extra:
            args += ["--config", self.configs.write("test.yaml", extra)]
        proxy = ProxyProcess(*args)
        self.addCleanup(self._stop_proxy, proxy)
        return proxy

    def check_plugin_config(self, enabled, settings, dirs=None, binary=None):
        """Runs --check-config on a config enabling `enabled` with `settings` (a dict,
        plugins.settings); `dirs` replaces the built plugins folder and `binary` the
        binary under test. Returns (exit code, stdout, stderr)."""
        config = {"server": {"port": 0},
                  "plugins": {"dirs": [PLUGIN_DIR] if dirs is None else list(dirs),
                              "enabled": list(enabled), "settings": settings}}
        path = self.configs.write("check.yaml", json.dumps(config))
        return run_cli("--config", path, "--check-config", binary=binary)

    @staticmethod
    def _stop_proxy(proxy):
        try:
            proxy.stop(timeout=15)
        except Exception:  # noqa: BLE001 - cleanup must not hide the test's own failure
            proxy.kill()
        if proxy.proc.stderr:
            proxy.proc.stderr.close()
        check_no_sanitizer_report(proxy.stderr)

    def start_origin(self, **kwargs):
        origin = OriginServer(**kwargs)
        self.addCleanup(origin.close)
        return origin

    def connect(self, proxy, timeout=TIMEOUT):
        conn = Connection(proxy.port, timeout=timeout)
        self.addCleanup(conn.close)
        return conn

    def exchange(self, proxy, data, method="GET"):
        """Sends `data` on a new connection and reads one response."""
        conn = self.connect(proxy)
        conn.send(data)
        response = conn.read_response(method)
        self.assertIsNotNone(response, "proxy closed without answering")
        return response

    def assert_proxy_alive(self, proxy):
        self.assertIsNone(proxy.proc.poll(), "proxy exited:\n" + proxy.stderr)


def _yaml(value):
    if isinstance(value, dict):
        return json.dumps(value)  # a nested section (upstream.dns) in flow style
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(f'"{v}"' for v in value) + "]"
    return str(value)

