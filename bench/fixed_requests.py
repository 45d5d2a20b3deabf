#!/usr/bin/env python3
"""Exactly N small GET requests, for counting a server's syscalls per request.

Usage: fixed_requests.py --port PORT [--target URL] [--count N] [--connections C]
                         [--close] [--deadline S]

C threads share the N requests; each keeps one connection to 127.0.0.1:PORT and sends
GET TARGET (absolute-form when TARGET is a full URL, as to a forward proxy), reads the
head and a Content-Length body, then sends the next. With --close every request carries
`Connection: close` and gets a connection of its own; without it a connection is reused
until the server closes it (tinyproxy does after every response), and then reopened.
Unlike wrk, which runs for a duration, the count is fixed: a tracer attached to the
server for the whole run sees exactly N requests. Prints one JSON line: requests done,
failures, connections opened, seconds. Bounded by --deadline.
"""
import argparse
import json
import socket
import sys
import threading
import time
from urllib.parse import urlsplit


class Client:
    def __init__(self, port, request, close):
        self.port = port
        self.request = request
        self.close = close
        self.sock = None
        self.connections = 0

    def _connect(self):
        self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.connections += 1

    def _drop(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def one(self):
        """One request and its whole response; False when it failed."""
        reused = self.sock is not None
        if not reused:
            self._connect()
        try:
            ok = self._exchange()
        except OSError:
            ok = False
        if ok:
            if self.close:
                self._drop()
            return True
        self._drop()
        if reused and not self.close:
            return self.one()  # a kept connection the server had closed: once more, anew
        return False

    def _exchange(self):
        self.sock.sendall(self.request)
        return self._read_response()

    def _read_response(self):
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = self.sock.recv(65536)
            if not chunk:
                return False
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        if not lines[0].startswith(b"HTTP/1.") or b" 200 " not in lines[0] + b" ":
            return False
        length = 0
        keep = True
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value.strip())
            elif name in (b"connection", b"proxy-connection") and b"close" in value.lower():
                keep = False
        while len(body) < length:
            chunk = self.sock.recv(65536)
            if not chunk:
                return False
            body += chunk
        if not keep:
            self._drop()  # the server said so: the next request reconnects
        return True


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--target", default="/small", help="request target (a full URL via a proxy)")
    ap.add_argument("--count", type=int, default=10000)
    ap.add_argument("--connections", type=int, default=10)
    ap.add_argument("--close", action="store_true", help="Connection: close on every request")
    ap.add_argument("--deadline", type=float, default=120.0)
    args = ap.parse_args()

    parts = urlsplit(args.target)
    host = parts.netloc or f"127.0.0.1:{args.port}"
    request = (
        f"GET {args.target} HTTP/1.1\r\nHost: {host}\r\n"
        + ("Connection: close\r\n" if args.close else "")
        + "\r\n"
    ).encode()
    deadline = time.monotonic() + args.deadline
    lock = threading.Lock()
    state = {"left": args.count, "done": 0, "failed": 0, "connections": 0}

    def worker():
        client = Client(args.port, request, args.close)
        while time.monotonic() < deadline:
            with lock:
                if state["left"] == 0:
                    break
                state["left"] -= 1
            ok = client.one()
            with lock:
                state["done" if ok else "failed"] += 1
        client._drop()
        with lock:
            state["connections"] += client.connections

    start = time.monotonic()
    threads = [threading.Thread(target=worker, daemon=True) for _ in range(args.connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()) + 1)
    seconds = time.monotonic() - start
    print(json.dumps({"requests": state["done"], "failed": state["failed"],
                      "connections": state["connections"], "seconds": round(seconds, 2)}))
    return 0 if state["done"] == args.count else 1


if __name__ == "__main__":
    sys.exit(main())
