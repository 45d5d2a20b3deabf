#!/usr/bin/env python3
"""Normal keep-alive clients for the soak test, used when wrk is not installed: CLIENTS
threads, each on its own keep-alive connection to the proxy, sending an absolute-form GET
for URL and reading the whole response, at most one request every --pace seconds each.
Measures every request's latency (request sent to last body byte read).

Prints one JSON object at the end: requests, errors by kind, p50/p90/p99/max latency in
milliseconds. A connection that fails is counted and opened again. Bounded by --duration
and a per-request socket timeout.
"""
import argparse
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "integration"))
from httpclient import Connection, request_bytes  # noqa: E402


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies = []
        self.errors = {}

    def error(self, kind):
        with self.lock:
            self.errors[kind] = self.errors.get(kind, 0) + 1


def client(args, end, tally):
    request = request_bytes("GET", args.url)
    conn = None
    while time.monotonic() < end:
        began = time.monotonic()
        try:
            if conn is None:
                conn = Connection(args.port, timeout=args.timeout)
            conn.send(request)
            response = conn.read_response(keep_body=False)
        except OSError as e:
            tally.error(type(e).__name__)
            response = None
        if response is None or response.status != 200 or not response.complete:
            if response is not None:
                tally.error(f"status_{response.status}" if response.complete else "short_body")
            elif conn is not None:
                tally.error("closed")
            if conn is not None:
                conn.close()
                conn = None
            time.sleep(0.05)
            continue
        done = time.monotonic()
        with tally.lock:
            tally.latencies.append(done - began)
        if response.closes():
            conn.close()
            conn = None
        time.sleep(max(0.0, args.pace - (done - began)))
    if conn is not None:
        conn.close()


def percentile_ms(ordered, fraction):
    if not ordered:
        return None
    return round(ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000, 2)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True, help="the proxy's port")
    parser.add_argument("--url", required=True, help="absolute URL sent through the proxy")
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--pace", type=float, default=0.05,
                        help="seconds between the starts of two requests of one client")
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--timeout", type=float, default=10.0, help="socket timeout")
    args = parser.parse_args()

    tally = Tally()
    started = time.monotonic()
    end = started + args.duration
    threads = [threading.Thread(target=client, args=(args, end, tally), daemon=True)
               for _ in range(args.clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(args.duration + args.timeout + 5)
    ordered = sorted(tally.latencies)
    json.dump({
        "tool": "soak_clients.py",
        "clients": args.clients,
        "pace_s": args.pace,
        "duration_s": round(time.monotonic() - started, 1),
        "requests": len(ordered),
        "errors": tally.errors,
        "p50_ms": percentile_ms(ordered, 0.50),
        "p90_ms": percentile_ms(ordered, 0.90),
        "p99_ms": percentile_ms(ordered, 0.99),
        "max_ms": round(ordered[-1] * 1000, 2) if ordered else None,
    }, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
