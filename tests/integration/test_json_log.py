"""The json_log plugin end to end: one JSON object per line per transaction, with the
access-log fields and the right values for a plain request, a CONNECT tunnel and a request
the core blocks (upstream.deny_networks); hostile bytes in the target still give one valid
line; `path: "-"` writes to stdout; size rotation keeps at most max_files files; a stuck
log never holds up the data path (lines are dropped and reported instead); a clean
shutdown writes every line; bad settings are refused at startup."""

import datetime
import json
import os
import re
import signal
import subprocess
import threading
import time
import unittest

from httpclient import ForwardProxyTestCase, request_bytes
from origins import FIXED_BODY
from proxytest import LISTENING, PROXY_BIN, ConfigDir, minimal_config, run_cli

PLUGINS = ["http_parser", "json_log"]
FIELDS = ["ts", "event", "conn_id", "client_ip", "client_port", "method", "host", "port",
          "target", "status", "sni", "bytes_in", "bytes_out", "duration_ms", "decision",
          "plugin", "reason", "user", "upstream", "peer_ip"]
RFC3339_MS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
DROPPED = re.compile(r"dropped (\d+) access log lines")


def parse_lines(data):
    """Every line of `data` (bytes) as JSON, checking each is one whole object with
    exactly the access-log fields in order, in printable ASCII."""
    lines = []
    for raw in data.split(b"\n")[:-1]:
        if not all(0x20 <= byte < 0x7f for byte in raw):
            raise AssertionError(f"raw control or non-ASCII byte in {raw!r}")
        line = json.loads(raw.decode("ascii"))
        if list(line) != FIELDS:
            raise AssertionError(f"fields {list(line)} in {raw!r}")
        lines.append(line)
    if not data.endswith(b"\n") and data:
        raise AssertionError(f"unterminated last line in {data[-200:]!r}")
    return lines


def read_log(path):
    try:
        with open(path, "rb") as f:
            return parse_lines(f.read())
    except FileNotFoundError:
        return []


class StdoutProxy:
    """The real binary with its stdout kept in a file (ProxyProcess discards stdout);
    waits until it is listening, and stops by its PID like ProxyProcess."""

    def __init__(self, stdout_path, *args, startup_timeout=20):
        self.stdout_file = open(stdout_path, "wb")  # noqa: SIM115 - closed in stop()
        self.stderr_lines = []
        self.port = None
        listening = threading.Event()
        self.proc = subprocess.Popen([PROXY_BIN, *args], stdin=subprocess.DEVNULL,
                                     stdout=self.stdout_file, stderr=subprocess.PIPE,
                                     text=True)

        def drain():
            for line in self.proc.stderr:
                self.stderr_lines.append(line)
                match = LISTENING.search(line)
                if match and not listening.is_set():
                    self.port = int(match.group(2))
                    listening.set()
            listening.set()

        self._reader = threading.Thread(target=drain, daemon=True)
        self._reader.start()
        if not listening.wait(startup_timeout) or self.port is None:
            self.kill()
            raise AssertionError("proxy did not start listening:\n" + self.stderr)

    @property
    def stderr(self):
        return "".join(self.stderr_lines)

    def stop(self, timeout=30):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        finally:
            self._reader.join(timeout=5)
            self.stdout_file.close()

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.stdout_file.close()


class JsonLogTestCase(ForwardProxyTestCase):
    def setUp(self):
        super().setUp()
        self.origin = self.start_origin()
        self.log_path = os.path.join(self.configs.path, "access.log")

    def start_logging(self, upstream=None, **settings):
        settings.setdefault("path", self.log_path)
        return self.start_proxy(enabled=PLUGINS, settings={"json_log": settings},
                                upstream=upstream)

    def wait_lines(self, count, path=None, timeout=5):
        deadline = time.monotonic() + timeout
        while True:
            lines = read_log(path or self.log_path)
            if len(lines) >= count or time.monotonic() > deadline:
                self.assertEqual(len(lines), count, lines)
                return lines
            time.sleep(0.02)

    def request_closed(self, proxy, target_url, raw_target=None):
        """One request with Connection: close; returns (response, client port) once the
        proxy closed the connection, by which time its line is queued for the log."""
        conn = self.connect(proxy)
        data = request_bytes("GET", target_url, headers=[("Connection", "close")])
        if raw_target is not None:
            data = data.replace(target_url.encode("latin-1"), raw_target, 1)
        conn.send(data)
        response = conn.read_response()
        self.assertIsNotNone(response, "proxy closed without answering")
        self.assertTrue(conn.wait_closed(5))
        return response, conn.sock.getsockname()[1]

    def assert_recent(self, ts):
        self.assertRegex(ts, RFC3339_MS)
        when = datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
            tzinfo=datetime.timezone.utc)
        age = datetime.datetime.now(datetime.timezone.utc) - when
        self.assertLess(abs(age.total_seconds()), 60, ts)


class Transactions(JsonLogTestCase):
    def test_plain_request(self):
        proxy = self.start_logging()
        url = self.origin.url("/fixed?plain")
        response, client_port = self.request_closed(proxy, url)
        self.assertEqual(response.status, 200)
        [line] = self.wait_lines(1)
        [seen] = self.origin.requests_for("/fixed")
        self.assert_recent(line["ts"])
        self.assertEqual(line["event"], "request")
        self.assertIsInstance(line["conn_id"], int)
        self.assertEqual((line["client_ip"], line["client_port"]), ("127.0.0.1", client_port))
        self.assertEqual((line["method"], line["host"], line["port"], line["target"]),
                         ("GET", "127.0.0.1", self.origin.port, url))
        self.assertEqual(line["status"], 200)
        self.assertIsNone(line["sni"])
        # bytes_in: what went to the origin (the rewritten head); bytes_out: what the
        # client got (head and body).
        self.assertEqual(line["bytes_in"], len(seen.raw_head))
        self.assertEqual(line["bytes_out"], len(response.raw_head) + len(FIXED_BODY))
        self.assertGreaterEqual(line["duration_ms"], 0)
        self.assertLess(line["duration_ms"], 10_000)
        self.assertEqual((line["decision"], line["plugin"], line["reason"]),
                         ("allow", None, None))
        self.assertEqual(line["upstream"], "direct")  # no plugin routed it through a parent
        self.assertIsNone(line["peer_ip"])  # PROXY protocol is off

    def test_connect_tunnel(self):
        proxy = self.start_logging()
        conn = self.connect(proxy)
        authority = self.origin.authority
        conn.send(f"CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n\r\n".encode())
        self.assertEqual(conn.read_response("CONNECT").status, 200)
        inner = b"GET /fixed HTTP/1.1\r\nHost: origin\r\nConnection: close\r\n\r\n"
        conn.send(inner)
        response = conn.read_response()
        self.assertEqual(response.status, 200)
        self.assertTrue(conn.wait_closed(5))  # the origin closed; now the client does
        conn.close()
        [line] = self.wait_lines(1)
        self.assertEqual(line["event"], "tunnel")
        self.assertEqual((line["method"], line["host"], line["port"], line["target"]),
                         ("CONNECT", "127.0.0.1", self.origin.port, authority))
        self.assertEqual(line["status"], 200)
        # Tunnel bytes are the payload each way, not the CONNECT exchange.
        self.assertEqual(line["bytes_in"], len(inner))
        self.assertEqual(line["bytes_out"], len(response.raw_head) + len(response.body))
        self.assertEqual((line["decision"], line["plugin"]), ("allow", None))

    def test_request_blocked_by_the_core(self):
        proxy = self.start_logging(upstream={"deny_networks": ["127.0.0.0/8"]})
        url = self.origin.url("/fixed?denied")
        response, _ = self.request_closed(proxy, url)
        self.assertEqual(response.status, 403)
        [line] = self.wait_lines(1)
        self.assertEqual((line["event"], line["decision"], line["plugin"], line["status"]),
                         ("blocked", "reject", "core", 403))
        self.assertEqual((line["method"], line["target"]), ("GET", url))
        self.assertIsInstance(line["reason"], str)
        self.assertEqual(line["bytes_in"], 0)
        self.assertEqual(self.origin.requests, [])

    def test_one_line_per_transaction_in_order_and_none_lost_at_shutdown(self):
        proxy = self.start_logging()
        count = 50
        for i in range(count):
            self.assertEqual(self.request_closed(proxy, self.origin.url(f"/fixed?n={i}"))[0]
                             .status, 200)
        self.assertEqual(proxy.stop(), 0, proxy.stderr)
        lines = read_log(self.log_path)
        self.assertEqual([line["target"] for line in lines],
                         [self.origin.url(f"/fixed?n={i}") for i in range(count)])
        self.assertEqual(len({line["conn_id"] for line in lines}), count)


class HostileTargets(JsonLogTestCase):
    def test_quotes_backslashes_percent_and_invalid_utf8_stay_inside_one_line(self):
        proxy = self.start_logging()
        base = self.origin.url("/fixed")
        # The HTTP parser lets all of these through in a request target (bytes >= 0x80
        # are obs-text); none may break the line or add a field.
        raw = (base.encode() + b'?q="x\\"y%22%ff%0a\\\\' + b"\xff\xfe\xc3(\x80" +
               b'","status":1,"forged":"')
        response, _ = self.request_closed(proxy, base, raw_target=raw)
        self.assertEqual(response.status, 200)
        [line] = self.wait_lines(1)
        with open(self.log_path, "rb") as f:
            text = f.read()
        self.assertEqual(text.count(b"\n"), 1, text)
        self.assertIn(b"\\ufffd", text)
        # Escaped, not altered: each invalid UTF-8 byte is one U+FFFD.
        self.assertEqual(line["target"], raw.decode("utf-8", errors="replace"))
        self.assertEqual((line["status"], line["event"]), (200, "request"))


class Stdout(JsonLogTestCase):
    def test_dash_writes_json_lines_to_stdout(self):
        stdout_path = os.path.join(self.configs.path, "stdout.txt")
        config = self.configs.write("stdout.yaml", minimal_config(
            enabled=PLUGINS, settings='json_log:\n  path: "-"\n'))
        proxy = StdoutProxy(stdout_path, "--config", config)
        self.addCleanup(self._stop_proxy, proxy)
        for i in range(3):
            self.assertEqual(self.request_closed(proxy, self.origin.url(f"/fixed?{i}"))[0]
                             .status, 200)
        self.assertEqual(proxy.stop(), 0, proxy.stderr)
        with open(stdout_path, "rb") as f:
            lines = parse_lines(f.read())  # nothing but JSON lines on stdout
        self.assertEqual([line["target"] for line in lines],
                         [self.origin.url(f"/fixed?{i}") for i in range(3)])
        self.assertFalse(os.path.exists(self.log_path))


class Rotation(JsonLogTestCase):
    def test_rotates_at_max_file_bytes_keeping_max_files(self):
        proxy = self.start_logging(max_file_bytes=2048, max_files=3)
        count = 60
        for i in range(count):
            self.request_closed(proxy, self.origin.url(f"/fixed?n={i:03}"))
        self.assertEqual(proxy.stop(), 0, proxy.stderr)
        names = sorted(os.listdir(self.configs.path))
        log_names = [name for name in names if name.startswith("access")]
        self.assertEqual(log_names, ["access.1.log", "access.2.log", "access.log"])
        kept = []
        for name in ("access.2.log", "access.1.log", "access.log"):
            path = os.path.join(self.configs.path, name)
            self.assertLessEqual(os.path.getsize(path), 2048, name)
            lines = read_log(path)
            self.assertTrue(lines, name)
            kept += [int(line["target"].rsplit("=", 1)[1]) for line in lines]
        # The newest lines, contiguous and in order, end with the last request.
        self.assertEqual(kept, list(range(count - len(kept), count)))
        self.assertLess(len(kept), count)


class Backpressure(JsonLogTestCase):
    def test_a_stuck_log_drops_lines_and_reports_them_without_slowing_requests(self):
        fifo = os.path.join(self.configs.path, "access.fifo")
        os.mkfifo(fifo)
        # A reader that reads nothing yet: the proxy can open the FIFO, and its writes
        # stop once the pipe buffer is full.
        reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
        self.addCleanup(os.close, reader)
        proxy = self.start_logging(path=fifo, queue_size=8)
        count = 600  # about 200 KB of lines: far more than a pipe holds
        started = time.monotonic()
        for i in range(count):
            self.assertEqual(self.request_closed(proxy, self.origin.url(f"/fixed?n={i}"))[0]
                             .status, 200)
        elapsed = time.monotonic() - started
        self.assertLess(elapsed, 60, "requests waited for the log")
        deadline = time.monotonic() + 10
        while not DROPPED.search(proxy.stderr) and time.monotonic() < deadline:
            time.sleep(0.1)
        self.assertRegex(proxy.stderr, DROPPED)
        self.assertIn("[json_log]", proxy.stderr)

        # Drain the FIFO while the proxy shuts down and writes what it still holds.
        os.set_blocking(reader, True)
        received = bytearray()

        def drain():
            while True:
                chunk = os.read(reader, 1 << 16)
                if not chunk:
                    return
                received.extend(chunk)

        drainer = threading.Thread(target=drain, daemon=True)
        drainer.start()
        self.assertEqual(proxy.stop(), 0, proxy.stderr)
        drainer.join(timeout=10)
        self.assertFalse(drainer.is_alive(), "the proxy kept the FIFO open")
        lines = parse_lines(bytes(received))
        dropped = sum(int(n) for n in DROPPED.findall(proxy.stderr))
        self.assertGreater(dropped, 0)
        self.assertEqual(len(lines) + dropped, count, "every line written or reported")
        targets = [int(line["target"].rsplit("=", 1)[1]) for line in lines]
        self.assertEqual(targets, sorted(targets))
        self.assertEqual(targets[-1], count - 1, "the newest lines survive")


class Settings(unittest.TestCase):
    def setUp(self):
        self.configs = ConfigDir()
        self.addCleanup(self.configs.cleanup)

    def check_config(self, settings_yaml, cwd=None):
        path = self.configs.write("config.yaml", minimal_config(enabled=PLUGINS,
                                                                settings=settings_yaml))
        return run_cli("--check-config", "--config", path, cwd=cwd)

    def test_valid_settings_load_and_a_relative_path_is_from_the_working_directory(self):
        code, _, stderr = self.check_config(
            "json_log:\n  path: logs/access.log\n  max_file_bytes: 4096\n  max_files: 2\n"
            "  queue_size: 16\n", cwd=self.configs.path)
        self.assertEqual(code, 0, stderr)
        self.assertTrue(os.path.isfile(os.path.join(self.configs.path, "logs", "access.log")))

    def test_bad_settings_stop_startup_naming_the_key(self):
        cases = [
            ("path", 'path: ""'),
            ("path", "path: 5"),
            ("path", f"path: {json.dumps(self.configs.path)}"),  # a folder
            ("max_file_bytes", "max_file_bytes: 100"),
            ("max_file_bytes", 'max_file_bytes: "100MiB"'),
            ("max_files", "max_files: 0"),
            ("max_files", "max_files: 1.5"),
            ("queue_size", "queue_size: 0"),
            ("queue_size", "queue_size: -1"),
            ("file", "file: x.log"),
        ]
        for key, line in cases:
            with self.subTest(line=line):
                code, _, stderr = self.check_config(f"json_log:\n  {line}\n")
                self.assertEqual(code, 2, stderr)
                self.assertIn(f"plugins.settings.json_log.{key}", stderr)

    def test_flush_interval_ms_is_checked(self):
        for line in ("flush_interval_ms: 0", "flush_interval_ms: 10001",
                     'flush_interval_ms: "100ms"', "flush_interval_ms: -5"):
            with self.subTest(line=line):
                code, _, stderr = self.check_config(f"json_log:\n  {line}\n")
                self.assertEqual(code, 2, stderr)
                self.assertIn("plugins.settings.json_log.flush_interval_ms", stderr)
        code, _, stderr = self.check_config("json_log:\n  flush_interval_ms: 250\n")
        self.assertEqual(code, 0, stderr)


class Batching(JsonLogTestCase):
    """Lines are written in batches: every flush_interval_ms, or sooner when a worker's
    queue is half full; from several workers at once, none is lost or reordered."""

    def keep_alive_requests(self, proxy, count, label):
        conn = self.connect(proxy)
        for i in range(count):
            conn.send(request_bytes("GET", self.origin.url(f"/fixed?{label}={i}")))
            response = conn.read_response()
            self.assertIsNotNone(response, "proxy closed without answering")
            self.assertEqual(response.status, 200)
        conn.close()

    def test_a_line_waits_for_the_flush_interval_then_arrives(self):
        proxy = self.start_logging(flush_interval_ms=2000)
        started = time.monotonic()
        self.request_closed(proxy, self.origin.url("/fixed?late"))
        time.sleep(0.5)
        self.assertEqual(read_log(self.log_path), [], "written before the interval")
        [line] = self.wait_lines(1, timeout=10)
        self.assertGreaterEqual(time.monotonic() - started, 1.5)
        self.assertTrue(line["target"].endswith("?late"))

    def test_a_half_full_queue_is_written_before_the_interval(self):
        proxy = self.start_logging(flush_interval_ms=10_000, queue_size=16)
        started = time.monotonic()
        # One keep-alive connection: one worker, whose queue of 16 is half full at 8.
        self.keep_alive_requests(proxy, 8, "n")
        lines = self.wait_lines(8, timeout=5)
        self.assertLess(time.monotonic() - started, 8, "waited for the interval")
        self.assertEqual([line["target"] for line in lines],
                         [self.origin.url(f"/fixed?n={i}") for i in range(8)])

    def test_concurrent_keep_alive_clients_lose_nothing_and_keep_each_connection_in_order(self):
        proxy = self.start_logging(flush_interval_ms=20)
        clients, per_client = 8, 40
        errors = []

        def client(c):
            try:
                self.keep_alive_requests(proxy, per_client, f"c{c}")
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(e)

        threads = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        self.assertEqual(errors, [])
        self.assertEqual(proxy.stop(), 0, proxy.stderr)
        lines = read_log(self.log_path)
        self.assertEqual(len(lines), clients * per_client)
        by_client = {}
        for line in lines:
            label, number = line["target"].rsplit("?", 1)[1].split("=")
            by_client.setdefault(label, []).append((line["conn_id"], int(number)))
        self.assertEqual(sorted(by_client), sorted(f"c{c}" for c in range(clients)))
        for label, seen in by_client.items():
            self.assertEqual(len({conn_id for conn_id, _ in seen}), 1, label)
            self.assertEqual([number for _, number in seen], list(range(per_client)), label)
        self.assertNotRegex(proxy.stderr, DROPPED)


if __name__ == "__main__":
    unittest.main()
