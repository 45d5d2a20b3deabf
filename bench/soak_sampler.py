#!/usr/bin/env python3
"""Samples the proxy once a second during the soak test: resident set (VmRSS), open
descriptors, and the `proxy_connections_active` gauge from /_metrics (metrics plugin).
Writes one CSV row per sample to --csv and, at the end, one JSON object on stdout with
the values at the start (before the load), in the middle and at the end of the load
window (--load-from, --load-for), after it, and the peaks. Bounded by --duration."""
import argparse
import json
import os
import re
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import procstat  # noqa: E402

ACTIVE = re.compile(rb"^proxy_connections_active (\d+)", re.M)


def connections_active(port):
    """The gauge (this scrape's own connection included), or None if it cannot be read
    within a second."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"GET /_metrics HTTP/1.1\r\nHost: proxy\r\nConnection: close\r\n\r\n")
            data = bytearray()
            while True:
                piece = sock.recv(65536)
                if not piece:
                    break
                data += piece
    except OSError:
        return None
    match = ACTIVE.search(bytes(data))
    return int(match.group(1)) if match else None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--duration", type=float, required=True)
    parser.add_argument("--csv", required=True)
    parser.add_argument("--load-from", type=float, default=0.0,
                        help="seconds after the sampler's start when the load begins")
    parser.add_argument("--load-for", type=float, default=None,
                        help="how long the load runs (default: until --duration)")
    args = parser.parse_args()

    samples = []
    start = time.monotonic()
    with open(args.csv, "w", encoding="ascii") as out:
        out.write("t_s,rss_kib,fds,connections_active\n")
        tick = start
        while tick - start <= args.duration and os.path.exists(f"/proc/{args.pid}"):
            sample = (round(tick - start, 1), procstat.rss_kib(args.pid),
                      procstat.fd_count(args.pid), connections_active(args.port))
            samples.append(sample)
            out.write(",".join("" if v is None else str(v) for v in sample) + "\n")
            out.flush()
            tick += 1
            time.sleep(max(0.0, tick - time.monotonic()))

    load_end = args.load_from + (args.load_for if args.load_for is not None else args.duration)

    def last_before(t):
        """Index of the last sample taken at or before `t` seconds."""
        found = [i for i, sample in enumerate(samples) if sample[0] <= t]
        return found[-1] if found else 0

    points = {"start": 0, "middle": last_before((args.load_from + load_end) / 2),
              "end": last_before(load_end - 1), "after": len(samples) - 1}  # 1 s of margin

    def column(index):
        values = [sample[index] for sample in samples if sample[index] is not None]
        summary = {name: samples[at][index] if samples else None for name, at in points.items()}
        summary["peak"] = max(values, default=None)
        return summary, len(samples) - len(values)

    rss, _ = column(1)
    fds, _ = column(2)
    active, unreadable = column(3)
    active["unreadable_samples"] = unreadable
    json.dump({"samples": len(samples), "rss_kib": rss, "fds": fds,
               "connections_active": active}, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
