#!/usr/bin/env python3
"""Memory per idle client connection of a proxy.

Opens COUNT TCP connections to the proxy, each of which sends half a request line
("GET http://127.0.0.1/ HT") and then stays silent, as a slow client would. Measures the
proxy's RSS and open descriptors (summed over its process tree) before and after, checks
how many connections the proxy still holds, closes them all and prints one JSON object.

Bounded: at most COUNT sockets, at most --deadline seconds to open them, then a settle
period of at most --settle-max seconds; everything is closed before it exits.
"""
import argparse
import errno
import json
import os
import resource
import select
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import procstat  # noqa: E402

PAYLOAD = b"GET http://127.0.0.1/ HT"


def raise_nofile(need):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = need if hard == resource.RLIM_INFINITY else min(need, hard)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def open_connections(host, port, count, deadline, in_flight=250):
    """Connects COUNT sockets (at most IN_FLIGHT handshakes pending at once) and sends the
    half request line on each. Returns (open sockets, failures, seconds taken)."""
    start = time.monotonic()
    poller = select.poll()
    pending = {}
    established = []
    failed = 0
    launched = 0
    while (launched < count or pending) and time.monotonic() - start < deadline:
        while launched < count and len(pending) < in_flight:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            rc = s.connect_ex((host, port))
            launched += 1
            if rc in (0, errno.EINPROGRESS):
                pending[s.fileno()] = s
                poller.register(s, select.POLLOUT)
            else:
                failed += 1
                s.close()
        for fd, events in poller.poll(200):
            s = pending.pop(fd)
            poller.unregister(fd)
            err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err or events & (select.POLLERR | select.POLLHUP):
                failed += 1
                s.close()
                continue
            try:
                s.send(PAYLOAD)
            except OSError:
                failed += 1
                s.close()
                continue
            established.append(s)
    for s in pending.values():  # handshakes that never completed within the deadline
        failed += 1
        s.close()
    failed += count - launched
    return established, failed, time.monotonic() - start


def wait_stable(pid, settle_max, quiet=2.0):
    """Waits until the proxy's descriptor count has not changed for QUIET seconds (the
    proxy has accepted and read what it is going to), at most SETTLE_MAX seconds."""
    start = time.monotonic()
    last = procstat.fd_count(pid)
    last_change = start
    while time.monotonic() - start < settle_max:
        time.sleep(0.5)
        now = procstat.fd_count(pid)
        if now != last:
            last, last_change = now, time.monotonic()
        elif time.monotonic() - last_change >= quiet:
            break
    return time.monotonic() - start


def still_open(socks):
    """How many sockets the proxy has neither closed nor answered."""
    poller = select.poll()
    for s in socks:
        poller.register(s, select.POLLIN)
    readable = {fd for fd, _ in poller.poll(0)}
    return sum(1 for s in socks if s.fileno() not in readable)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--pid", type=int, required=True, help="the proxy's (root) process")
    ap.add_argument("--count", type=int, default=10000)
    ap.add_argument("--deadline", type=float, default=40.0, help="seconds to open them")
    ap.add_argument("--settle-max", type=float, default=10.0)
    args = ap.parse_args()

    limit = raise_nofile(args.count + 256)
    count = min(args.count, max(0, limit - 64))

    rss_before = procstat.rss_kib(args.pid)
    fds_before = procstat.fd_count(args.pid)
    socks, failed, open_s = open_connections(args.host, args.port, count, args.deadline)
    settle_s = wait_stable(args.pid, args.settle_max)
    rss_after = procstat.rss_kib(args.pid)
    fds_after = procstat.fd_count(args.pid)
    alive = still_open(socks)
    for s in socks:
        s.close()

    result = {
        "requested": args.count,
        "attempted": count,
        "connected": len(socks),
        "failed": failed,
        "alive": alive,
        "open_seconds": round(open_s, 2),
        "settle_seconds": round(settle_s, 2),
        "rss_before_kib": rss_before,
        "rss_after_kib": rss_after,
        "fds_before": fds_before,
        "fds_after": fds_after,
        "kib_per_conn": round((rss_after - rss_before) / args.count, 2),
        "kib_per_held_conn": (round((rss_after - rss_before) / (fds_after - fds_before), 2)
                              if fds_after > fds_before else None),
    }
    print(json.dumps(result, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
