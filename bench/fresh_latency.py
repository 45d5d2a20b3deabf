#!/usr/bin/env python3
"""What a proxy adds to one fresh request: A/B pairs of curl runs, through it and direct.

Each pair is two new curl processes, one through the proxy (`-x PROXY`) and one straight
to the origin, so each pays a fresh TCP connection (and, through the proxy, the proxy's
own connection to the origin). The order within a pair alternates so that neither side
always goes first. Times are curl's own `time_total` (from its start of the transfer to
the end, without process start-up). Prints one JSON object: the median extra
milliseconds per request (proxy minus direct, pair by pair) and the ratio of the summed
times. Bounded: every curl has --max-time.
"""
import argparse
import json
import statistics
import subprocess
import sys


def one(curl, url, proxy, max_time):
    """Seconds curl took for one request, or None when it failed."""
    cmd = [curl, "-sS", "-o", "/dev/null", "--max-time", str(max_time),
           "-w", "%{http_code} %{time_total}"]
    cmd += ["-x", proxy] if proxy else ["--noproxy", "*"]
    try:
        out = subprocess.run(cmd + [url], capture_output=True, text=True,
                             timeout=max_time + 5).stdout.split()
    except subprocess.TimeoutExpired:
        return None
    if len(out) != 2 or out[0] != "200":
        return None
    return float(out[1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--proxy", required=True, help="http://127.0.0.1:PORT")
    ap.add_argument("--url", required=True, help="the origin's URL, fetched both ways")
    ap.add_argument("--pairs", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=2, help="unmeasured pairs first")
    ap.add_argument("--curl", default="curl")
    ap.add_argument("--max-time", type=float, default=5.0)
    args = ap.parse_args()

    for _ in range(args.warmup):
        one(args.curl, args.url, args.proxy, args.max_time)
        one(args.curl, args.url, None, args.max_time)
    via, direct, failed = [], [], 0
    for i in range(args.pairs):
        if i % 2 == 0:
            p = one(args.curl, args.url, args.proxy, args.max_time)
            d = one(args.curl, args.url, None, args.max_time)
        else:
            d = one(args.curl, args.url, None, args.max_time)
            p = one(args.curl, args.url, args.proxy, args.max_time)
        if p is None or d is None:
            failed += 1
            continue
        via.append(p)
        direct.append(d)
    extra_ms = [(p - d) * 1000 for p, d in zip(via, direct)]
    result = {
        "pairs": args.pairs,
        "ok": len(via),
        "failed": failed,
        "median_extra_ms": round(statistics.median(extra_ms), 3) if extra_ms else None,
        "median_proxy_ms": round(statistics.median(via) * 1000, 3) if via else None,
        "median_direct_ms": round(statistics.median(direct) * 1000, 3) if direct else None,
        "total_proxy_s": round(sum(via), 6),
        "total_direct_s": round(sum(direct), 6),
        "ratio": round(sum(via) / sum(direct), 3) if direct and sum(direct) > 0 else None,
    }
    print(json.dumps(result, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
