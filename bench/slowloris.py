#!/usr/bin/env python3
"""Slowloris load for the soak test: COUNT connections to a proxy, each sending a request
head that never ends, one byte every --interval seconds. A connection the proxy closes is
counted and opened again, so COUNT stay in flight for --duration seconds.

Prints one JSON object at the end: how many connections were opened, how many the proxy
closed (and how many of those with a response first, such as a 408), how long the closed
ones lived, and how many were held at once (sampled every second).

Bounded: one poll loop, at most COUNT sockets plus --in-flight pending handshakes, and
every socket is closed before it exits, after --duration seconds.
"""
import argparse
import errno
import heapq
import itertools
import json
import random
import resource
import select
import socket
import sys
import time


def endless_head(authority):
    """The bytes of a request head that never ends: a request line, Host, then one
    header field after another, never the empty line that would close the head."""
    yield from f"GET http://{authority}/ HTTP/1.1\r\nHost: {authority}\r\n".encode()
    for n in itertools.count():
        yield from f"X-Slow-{n}: x\r\n".encode()


class SlowConnection:
    serials = itertools.count()

    def __init__(self, sock, authority, now):
        self.sock = sock
        self.serial = next(self.serials)  # tells a reused fd's new connection from the old
        self.head = endless_head(authority)
        self.opened = now
        self.connected = False
        self.answered = False


def percentile(values, fraction):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def raise_nofile(need):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = need if hard == resource.RLIM_INFINITY else min(need, hard)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


def run(args):
    raise_nofile(args.count + args.in_flight + 64)
    poller = select.poll()
    conns = {}  # fd -> SlowConnection
    sends = []  # heap of (when, fd, serial) for the next byte of each connection
    stats = {"opened": 0, "connect_failed": 0, "closed_by_proxy": 0, "answered": 0}
    lifetimes = []
    held_samples = []
    pending = 0
    start = time.monotonic()
    end = start + args.duration
    next_sample = start + 1

    def open_one(now):
        nonlocal pending
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        rc = sock.connect_ex((args.host, args.port))
        if rc not in (0, errno.EINPROGRESS):
            stats["connect_failed"] += 1
            sock.close()
            return
        conn = SlowConnection(sock, args.authority, now)
        conns[sock.fileno()] = conn
        pending += 1
        poller.register(sock, select.POLLOUT)

    def drop(fd, by_proxy, now):
        nonlocal pending
        conn = conns.pop(fd)
        poller.unregister(fd)
        if not conn.connected:
            pending -= 1
            stats["connect_failed"] += 1
        elif by_proxy:
            stats["closed_by_proxy"] += 1
            stats["answered"] += conn.answered
            lifetimes.append(now - conn.opened)
        conn.sock.close()

    while True:
        now = time.monotonic()
        if now >= end:
            break
        while len(conns) < args.count and pending < args.in_flight:
            open_one(now)
        timeout_ms = 100
        if sends:
            timeout_ms = max(0, min(timeout_ms, int((sends[0][0] - now) * 1000)))
        for fd, events in poller.poll(timeout_ms):
            conn = conns.get(fd)
            if conn is None:
                continue
            now = time.monotonic()
            if not conn.connected:
                err = conn.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err or events & (select.POLLERR | select.POLLHUP):
                    drop(fd, False, now)
                    continue
                conn.connected = True
                conn.opened = now
                pending -= 1
                stats["opened"] += 1
                poller.modify(fd, select.POLLIN)
                # The first byte at once, then one per interval with some jitter, so
                # that the connections do not all send in the same instant.
                heapq.heappush(sends, (now, fd, conn.serial))
                continue
            try:
                data = conn.sock.recv(65536)
            except OSError:
                data = b""
            if data:
                conn.answered = True  # an answer (a 408) before the close: keep reading
                continue
            drop(fd, True, now)
        now = time.monotonic()
        while sends and sends[0][0] <= now:
            _, fd, serial = heapq.heappop(sends)
            conn = conns.get(fd)
            if conn is None or conn.serial != serial:
                continue  # closed meanwhile (the fd may belong to a newer connection)
            try:
                conn.sock.send(bytes([next(conn.head)]))
            except BlockingIOError:
                pass
            except OSError:
                drop(fd, True, now)
                continue
            jitter = random.uniform(0.9, 1.1)
            heapq.heappush(sends, (now + args.interval * jitter, fd, serial))
        if now >= next_sample:
            held_samples.append(sum(1 for c in conns.values() if c.connected))
            next_sample += 1

    held_end = sum(1 for c in conns.values() if c.connected)
    for conn in conns.values():
        conn.sock.close()
    steady = held_samples[len(held_samples) // 4:] or held_samples  # after the ramp-up
    return {
        "target": args.count,
        "interval_s": args.interval,
        "duration_s": round(time.monotonic() - start, 1),
        **stats,
        "held_end": held_end,
        "held_min_after_rampup": min(steady) if steady else 0,
        "held_max": max(held_samples) if held_samples else 0,
        "lifetime_p50_s": _round(percentile(lifetimes, 0.5)),
        "lifetime_max_s": _round(max(lifetimes) if lifetimes else None),
    }


def _round(value):
    return None if value is None else round(value, 2)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--authority", default="127.0.0.1:80",
                        help="host:port named in the request line and Host field")
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--interval", type=float, default=3.0,
                        help="seconds between two bytes on one connection")
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--in-flight", type=int, default=200,
                        help="handshakes pending at once, at most")
    args = parser.parse_args()
    json.dump(run(args), sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
