#!/usr/bin/env python3
"""The deployment's smoke test (deploy/run.sh runs it), standard library only.

  smoke.py wait-up --stats SOCK --timeout S
      until HAProxy's stats socket shows every server of the backend UP
  smoke.py check --front PORT --logs LOG1 LOG2 --limit N
      through HAProxy from 127.0.0.2 (127.0.0.1 if that address is unusable): requests
      reach an origin this script runs on loopback; both instances serve and log the
      client HAProxy reported, with HAProxy as peer_ip; then requests until the shared
      limit answers 429, which both instances must give once it is reached."""

import argparse
import http.server
import json
import socket
import sys
import threading
import time


def stats_rows(path):
    with socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(5)
        sock.connect(path)
        sock.sendall(b"show stat\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    lines = data.decode().lstrip("# ").splitlines()
    header = lines[0].split(",")
    return [dict(zip(header, line.split(","))) for line in lines[1:] if line]


def wait_up(args):
    deadline = time.monotonic() + args.timeout
    seen = "no answer from the stats socket"
    while time.monotonic() < deadline:
        try:
            servers = [row for row in stats_rows(args.stats)
                       if row["svname"] not in ("FRONTEND", "BACKEND")]
            seen = ", ".join(f"{row['svname']} {row['status']}" for row in servers)
            if servers and all(row["status"] == "UP" for row in servers):
                print(f"HAProxy health checks on /_ready: {seen}")
                return 0
        except OSError:
            pass
        time.sleep(0.2)
    print(f"smoke: not every instance came up: {seen}", file=sys.stderr)
    return 1


class Origin(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):  # noqa: N802 - the name http.server calls
        body = b"through the pair\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_):
        pass


def client_source():
    try:
        with socket.socket() as probe:
            probe.bind(("127.0.0.2", 0))
        return "127.0.0.2"
    except OSError:
        return "127.0.0.1"


def get(front, source, url):
    """One request on its own connection (HAProxy balances connections); the status."""
    with socket.socket() as sock:
        sock.settimeout(10)
        sock.bind((source, 0))
        sock.connect(("127.0.0.1", front))
        sock.sendall(f"GET {url} HTTP/1.1\r\nHost: origin\r\nConnection: close\r\n\r\n"
                     .encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    if not data.startswith(b"HTTP/1.1 "):
        raise AssertionError(f"no HTTP answer through the front port: {data[:80]!r}")
    return int(data[9:12])


def log_lines(path):
    try:
        with open(path, "rb") as f:
            return [json.loads(line) for line in f.read().splitlines()]
    except FileNotFoundError:
        return []


def wait_logged(paths, predicate, timeout=10):
    deadline = time.monotonic() + timeout
    while True:
        per_instance = [[line for line in log_lines(path) if predicate(line)] for path in paths]
        if all(per_instance) or time.monotonic() > deadline:
            return per_instance
        time.sleep(0.1)


def check(args):
    origin = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Origin)
    threading.Thread(target=origin.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{origin.server_address[1]}/"
    source = client_source()
    failures = []

    statuses = [get(args.front, source, url) for _ in range(10)]
    if statuses != [200] * 10:
        failures.append(f"first 10 requests answered {statuses}")
    served = wait_logged(args.logs, lambda line: line.get("client_ip") == source
                         and line.get("peer_ip") == "127.0.0.1" and line.get("status") == 200)
    counts = [len(lines) for lines in served]
    print(f"10 requests from {source}: served {counts[0]} + {counts[1]} by the two instances, "
          f"each logging client_ip {source} and peer_ip 127.0.0.1")
    if not all(counts):
        failures.append(f"not both instances logged the client HAProxy reported: {counts}")

    allowed, started = 10, time.monotonic()
    while get(args.front, source, url) == 200:
        allowed += 1
        if allowed > args.limit:
            failures.append(f"more than {args.limit} requests allowed")
            break
    after = [get(args.front, source, url) for _ in range(10)]
    print(f"the shared limit: {allowed} requests allowed in {time.monotonic() - started:.1f} s, "
          f"then {after.count(429)} of 10 answered 429")
    if after != [429] * 10:
        failures.append(f"after the limit: {after}")
    limited = wait_logged(args.logs, lambda line: line.get("status") == 429)
    if not all(limited):
        failures.append("not both instances answered 429 once the shared limit was reached")
    origin.shutdown()

    for failure in failures:
        print(f"smoke: FAILED: {failure}", file=sys.stderr)
    if not failures:
        print("smoke: passed")
    return 1 if failures else 0


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("wait-up")
    up.add_argument("--stats", required=True)
    up.add_argument("--timeout", type=float, default=30)
    smoke = sub.add_parser("check")
    smoke.add_argument("--front", type=int, required=True)
    smoke.add_argument("--logs", nargs=2, required=True)
    smoke.add_argument("--limit", type=int, required=True)
    args = parser.parse_args()
    return wait_up(args) if args.command == "wait-up" else check(args)


if __name__ == "__main__":
    sys.exit(main())
