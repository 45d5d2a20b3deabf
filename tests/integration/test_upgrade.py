"""Protocol switches (Upgrade, RFC 9110 §7.8) on plain HTTP with the real binary, against
a WebSocket echo origin written here: a listed protocol's Upgrade and Connection: upgrade
reach the origin, its 101 reaches the client, and the connection then carries the new
protocol's bytes both ways like a CONNECT tunnel (idle timeout, on_bytes). An unlisted
protocol is stripped, and a 101 the request did not ask for is a 502."""

import base64
import hashlib
import json
import os
import socket
import struct
import threading
import time
import unittest

from httpclient import ForwardProxyTestCase

TEST_PLUGIN_DIR = os.environ.get("PROXY_TEST_PLUGIN_DIR", "")
WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
KEY = base64.b64encode(b"sixteen byte key").decode()


def accept_value(key):
    return base64.b64encode(hashlib.sha1((key + WEBSOCKET_GUID).encode()).digest()).decode()


def frame(payload, masked):
    """One final text frame (payload under 126 bytes), masked as a client must."""
    head = bytes([0x81, (0x80 if masked else 0) | len(payload)])
    if not masked:
        return head + payload
    mask = os.urandom(4)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def read_frame(recv_exact):
    """The payload of one short text frame, unmasking it when it is masked."""
    first, second = recv_exact(2)
    if first != 0x81 or (second & 0x7F) >= 126:
        raise AssertionError(f"unexpected frame start {first:#x} {second:#x}")
    length = second & 0x7F
    mask = recv_exact(4) if second & 0x80 else b"\0\0\0\0"
    return bytes(b ^ mask[i % 4] for i, b in enumerate(recv_exact(length)))


class WebSocketOrigin:
    """Answers a WebSocket handshake with 101 and then echoes each text frame as
    "echo: <payload>"; a request without `Upgrade: websocket` gets 426. Keeps the request
    heads it read."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.heads = []
        self.closed = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def close(self):
        self.closed.set()
        self.listener.close()
        self.thread.join(timeout=10)

    def _serve(self):
        self.listener.settimeout(0.2)
        while not self.closed.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                continue
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn):
        with conn:
            conn.settimeout(10)
            buffer = bytearray()

            def recv_exact(count):
                while len(buffer) < count:
                    data = conn.recv(65536)
                    if not data:
                        raise EOFError
                    buffer.extend(data)
                taken = bytes(buffer[:count])
                del buffer[:count]
                return taken

            try:
                while b"\r\n\r\n" not in buffer:
                    data = conn.recv(65536)
                    if not data:
                        return
                    buffer.extend(data)
                end = buffer.index(b"\r\n\r\n") + 4
                head = bytes(buffer[:end]).decode("latin-1")
                del buffer[:end]
                self.heads.append(head)
                fields = {}
                for line in head.split("\r\n")[1:]:
                    if ":" in line:
                        name, value = line.split(":", 1)
                        fields[name.strip().lower()] = value.strip()
                if fields.get("upgrade", "").lower() != "websocket":
                    body = b"upgrade required\n"
                    conn.sendall(b"HTTP/1.1 426 Upgrade Required\r\nContent-Length: %d\r\n"
                                 b"Connection: close\r\n\r\n%s" % (len(body), body))
                    return
                answer = ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                          "Connection: Upgrade\r\nSec-WebSocket-Accept: "
                          f"{accept_value(fields['sec-websocket-key'])}\r\n\r\n")
                # The first frame rides with the 101, as a server may send it at once.
                conn.sendall(answer.encode() + frame(b"hello", masked=False))
                while True:
                    payload = read_frame(recv_exact)
                    conn.sendall(frame(b"echo: " + payload, masked=False))
            except (OSError, EOFError, AssertionError):
                return


class Upgrades(ForwardProxyTestCase):
    def setUp(self):
        super().setUp()
        self.origin = WebSocketOrigin()
        self.addCleanup(self.origin.close)

    def handshake(self, proxy, protocol="websocket", connection="Upgrade"):
        conn = self.connect(proxy)
        conn.send((f"GET http://127.0.0.1:{self.origin.port}/chat HTTP/1.1\r\n"
                   f"Host: 127.0.0.1:{self.origin.port}\r\nUpgrade: {protocol}\r\n"
                   f"Connection: {connection}\r\nSec-WebSocket-Key: {KEY}\r\n"
                   "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        return conn, conn.read_any_head()  # read_head() would skip a 101 as interim

    @staticmethod
    def reader(conn):
        def recv_exact(count):
            while len(conn.buffer) < count:
                if not conn._fill():  # noqa: SLF001 - the test's own connection helper
                    raise EOFError
            taken = bytes(conn.buffer[:count])
            del conn.buffer[:count]
            return taken
        return recv_exact

    def test_a_websocket_switches_and_carries_frames_both_ways(self):
        proxy = self.start_proxy()
        conn, response = self.handshake(proxy)
        self.assertEqual(response.status, 101, response)
        self.assertEqual(response.header("Upgrade"), "websocket")
        self.assertEqual(response.header("Connection"), "upgrade")
        self.assertEqual(response.header("Sec-WebSocket-Accept"), accept_value(KEY))
        recv_exact = self.reader(conn)
        self.assertEqual(read_frame(recv_exact), b"hello")  # came with the 101
        for text in (b"one", b"two", b"x" * 100):
            conn.send(frame(text, masked=True))
            self.assertEqual(read_frame(recv_exact), b"echo: " + text)
        [head] = self.origin.heads
        self.assertIn("\r\nUpgrade: websocket\r\n", head)
        self.assertIn("\r\nConnection: upgrade\r\n", head)
        self.assertIn("\r\nSec-WebSocket-Key: " + KEY + "\r\n", head)

    def test_an_unlisted_protocol_is_stripped(self):
        proxy = self.start_proxy(upstream={"upgrade_allowed": []})
        _, response = self.handshake(proxy)
        self.assertEqual(response.status, 426, response)
        [head] = self.origin.heads
        self.assertNotIn("upgrade", head.lower())

    def test_upgrade_without_connection_upgrade_is_not_an_offer(self):
        proxy = self.start_proxy()
        _, response = self.handshake(proxy, connection="keep-alive")
        self.assertEqual(response.status, 426, response)
        self.assertNotIn("Upgrade:", self.origin.heads[0])

    def test_a_101_the_request_did_not_ask_for_is_502(self):
        # The origin answers 101 to any request with Upgrade: websocket in it, and the
        # client asked for h2c only: the proxy passed no Upgrade on, so this 101 is
        # unasked for. The origin here is told directly.
        rogue = socket.create_server(("127.0.0.1", 0))
        self.addCleanup(rogue.close)

        def answer_101():
            conn, _ = rogue.accept()
            with conn:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                             b"Connection: Upgrade\r\n\r\n")
                time.sleep(0.5)
        threading.Thread(target=answer_101, daemon=True).start()
        proxy = self.start_proxy()
        conn = self.connect(proxy)
        port = rogue.getsockname()[1]
        conn.send(f"GET http://127.0.0.1:{port}/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                  "Upgrade: h2c\r\nConnection: Upgrade\r\n\r\n".encode())
        response = conn.read_response()
        self.assertEqual(response.status, 502, response)
        self.assertIn(b"protocol switch the request did not ask for", response.body)

    def test_a_switched_connection_ends_after_the_idle_timeout(self):
        proxy = self.start_proxy(timeouts={"idle": 1})
        conn, response = self.handshake(proxy)
        self.assertEqual(response.status, 101, response)
        self.assertEqual(read_frame(self.reader(conn)), b"hello")
        started = time.monotonic()
        self.assertTrue(conn.wait_closed(10))
        self.assertGreaterEqual(time.monotonic() - started, 0.9)

    def test_on_bytes_sees_the_switched_bytes(self):
        self.assertTrue(TEST_PLUGIN_DIR and os.path.isdir(TEST_PLUGIN_DIR),
                        "PROXY_TEST_PLUGIN_DIR must name the test plugins' folder")
        events = os.path.join(self.configs.path, "events.jsonl")
        proxy = self.start_proxy(
            enabled=["http_parser", "probe"], settings={"probe": {"events_file": events}},
            extra_plugin_dirs=[TEST_PLUGIN_DIR])
        conn, response = self.handshake(proxy)
        self.assertEqual(response.status, 101, response)
        recv_exact = self.reader(conn)
        read_frame(recv_exact)
        conn.send(frame(b"counted", masked=True))
        self.assertEqual(read_frame(recv_exact), b"echo: counted")
        conn.close()
        counters = json.loads(self.exchange(proxy, b"GET /_probe HTTP/1.1\r\nHost: proxy\r\n"
                                                   b"Connection: close\r\n\r\n").body)
        # Up: the request head plus the 13-byte frame; down: 101 head plus two frames.
        self.assertGreater(counters["client_to_upstream"], 13)
        self.assertGreater(counters["upstream_to_client"], 7 + 15)


if __name__ == "__main__":
    unittest.main()
