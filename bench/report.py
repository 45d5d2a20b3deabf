#!/usr/bin/env python3
"""Turns the raw figures bench/run.sh collected into the Markdown report.

Usage: report.py --results FILE --meta FILE [--out FILE]
  --results  lines "TARGET KEY VALUE" (see run.sh)
  --meta     lines "key=value": parameters, load averages, versions
  --out      also write the full report (host, versions, parameters, tables, notes) there
The results table goes to stdout either way.
"""
import argparse
import datetime
import json
import os
import platform

TARGETS = ["direct", "ours", "ours_all", "squid", "tinyproxy"]
LABELS = {
    "direct": "direct (no proxy)",
    "ours": "proxy-server (ours)",
    "ours_all": "proxy-server, all six plugins",
    "squid": "Squid",
    "tinyproxy": "tinyproxy",
}
GIB = 1 << 30


def read_results(path):
    res = {t: {} for t in TARGETS}
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split(" ", 2)
            if len(parts) == 3:
                res.setdefault(parts[0], {})[parts[1]] = parts[2]
    return res


def read_meta(path):
    meta = {}
    with open(path) as f:
        for line in f:
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                meta[k] = v
    return meta


def num(d, key):
    try:
        return float(d[key])
    except (KeyError, ValueError):
        return None


def fmt(x, digits=2):
    if x is None:
        return "—"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.{digits}f}"


def wrk_figures(r):
    reqs = num(r, "wrk_requests")
    dur = num(r, "wrk_duration_us")
    if reqs is None or not dur:
        return None
    errors = sum(int(r.get(k, 0)) for k in
                 ("wrk_err_connect", "wrk_err_read", "wrk_err_write", "wrk_err_status",
                  "wrk_err_timeout"))
    cpu = num(r, "wrk_cpu")
    return {
        "requests": reqs,
        "rps": reqs / (dur / 1e6),
        "p50": num(r, "wrk_p50_us") / 1000,
        "p99": num(r, "wrk_p99_us") / 1000,
        "errors": errors,
        "error_detail": {k[8:]: int(r[k]) for k in r if k.startswith("wrk_err_") and int(r[k])},
        "cpu_per_10k": (cpu / (reqs / 1e4)) if cpu is not None and reqs else None,
    }


def download_figures(r, kind, size):
    if f"{kind}_bytes" not in r:
        return None
    got = num(r, f"{kind}_bytes") or 0
    code = r.get(f"{kind}_code", "0")
    ok = got == size and code == "200"
    cpu = num(r, f"{kind}_cpu")
    return {
        "ok": ok,
        "bytes": got,
        "code": code,
        "connect_code": r.get(f"{kind}_connect_code", "0"),
        "mbps": (num(r, f"{kind}_speed") or 0) / 1e6,
        "cpu_per_gib": (cpu / (got / GIB)) if cpu is not None and got else None,
        "cpu": cpu,
        "error": r.get(f"{kind}_error", ""),
    }


def idle_figures(r):
    raw = r.get("idle")
    if not raw or raw == "null":
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def speed_cell(d):
    if d is None:
        return "—"
    if not d["ok"]:
        return f"failed ({fmt(d['bytes'] / 2**20, 1)} MiB, HTTP {d['code']})"
    return fmt(d["mbps"], 0)


def build_table(res, meta):
    size = int(meta["size_mib"]) * 2**20
    size_label = "1 GiB" if size == GIB else f"{meta['size_mib']} MiB"
    head = ["", "req/s", "p50 ms", "p99 ms", "wrk errors", "CPU-s / 10k req",
            f"TLS via CONNECT MB/s ({size_label})", "CPU-s / GiB tunnelled",
            f"plain HTTP MB/s ({size_label})", "CPU-s / GiB plain",
            f"idle KiB / conn ({int(meta['idle_conns']):,})", "idle conns held"]
    rows = []
    for t in TARGETS:
        r = res.get(t, {})
        w = wrk_figures(r)
        tun = download_figures(r, "tunnel", size)
        pla = download_figures(r, "plain", size)
        idle = idle_figures(r)
        row = [LABELS[t]]
        if w:
            errors = (f"0 (+{w['errors']:,} closes)" if closes_per_request(w, meta)
                      else f"{w['errors']:,}")
            row += [fmt(w["rps"], 0), fmt(w["p50"]), fmt(w["p99"]), errors,
                    "—" if t == "direct" else fmt(w["cpu_per_10k"])]
        else:
            row += ["failed" if "wrk_failed" in r else "—"] + ["—"] * 4
        row += [speed_cell(tun),
                "—" if t == "direct" or not tun or not tun["ok"] else fmt(tun["cpu_per_gib"]),
                speed_cell(pla),
                "—" if t == "direct" or not pla or not pla["ok"] else fmt(pla["cpu_per_gib"])]
        if t == "direct":
            row += ["—", "—"]
        elif idle:
            row += [fmt(idle["kib_per_conn"]), f"{idle['alive']:,} / {idle['requested']:,}"]
        else:
            row += ["failed", "—"]
        rows.append(row)
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def notes(res, meta):
    """Plain statements of anything that went wrong or that the table hides."""
    size = int(meta["size_mib"]) * 2**20
    out = []
    sizes = []
    for t in TARGETS:
        w = wrk_figures(res.get(t, {}))
        b = num(res.get(t, {}), "wrk_bytes")
        if w and w["requests"] and b is not None:
            sizes.append(f"{LABELS[t]} {w['requests']:,.0f} requests, {b / w['requests']:.0f} B")
    if sizes:
        out.append("wrk, completed requests and bytes read per response (head and body): "
                   + "; ".join(sizes) + ".")
    for t in TARGETS:
        r = res.get(t, {})
        name = LABELS[t]
        if "died_before" in r:
            out.append(f"{name} was no longer running before the {r['died_before']} phase; "
                       "later figures for it are missing.")
        w = wrk_figures(r)
        if "wrk_failed" in r:
            out.append(f"wrk through {name} produced no summary.")
        elif w and closes_per_request(w, meta):
            out.append(f"wrk through {name}: {w['errors']:,} read errors for {w['requests']:,.0f} "
                       "requests, i.e. one per request and no bad status: the proxy closes the "
                       "client connection after every response (no keep-alive towards the "
                       "client), which wrk counts as a read error before it reconnects. Its "
                       "figures therefore include a TCP handshake per request.")
        elif w and w["errors"]:
            detail = ", ".join(f"{k} {v:,}" for k, v in sorted(w["error_detail"].items()))
            out.append(f"wrk through {name}: {w['errors']:,} errors ({detail}) "
                       f"out of {w['requests']:,.0f} requests "
                       "(wrk's `status` counts responses with a status of 400 or more).")
        for kind, label in (("tunnel", "TLS download through CONNECT"),
                            ("plain", "plain-HTTP download")):
            d = download_figures(r, kind, size)
            if d and not d["ok"]:
                msg = (f"{label} via {name} failed: {d['bytes']:,.0f} of {size:,} bytes, "
                       f"HTTP {d['code']}")
                if kind == "tunnel" and t != "direct":
                    msg += f", CONNECT answered {d['connect_code']}"
                if d["error"]:
                    msg += f" ({d['error']})"
                out.append(msg + ".")
        idle = idle_figures(r)
        if t != "direct" and idle:
            held = idle["fds_after"] - idle["fds_before"]
            per_held = idle.get("kib_per_held_conn")
            out.append(
                f"Idle connections, {name}: {idle['connected']:,} of {idle['requested']:,} "
                f"connected ({idle['failed']:,} failed), {idle['alive']:,} still open after "
                f"settling; RSS {idle['rss_before_kib']:,} → {idle['rss_after_kib']:,} KiB; "
                f"open descriptors {idle['fds_before']:,} → {idle['fds_after']:,} (+{held:,})"
                + (f", i.e. {per_held:.2f} KiB per descriptor the proxy gained" if per_held else "")
                + ".")
        elif t != "direct":
            out.append(f"Idle connections, {name}: the measurement failed.")
        if t == "ours" and int(r.get("log_lines", "0")) > 0:
            out.append(f"{name} logged {int(r['log_lines']):,} lines at warn level or above "
                       f"during the run; the last: `{r.get('log_last', '')}`.")
        phases = [p for p in ("start", "idle", "wrk", "tunnel", "plain") if f"rss_{p}" in r]
        if t != "direct" and phases:
            mib = lambda k: f"{int(r[k]) / 1024:.1f}"  # noqa: E731
            out.append(f"Memory of {name}, RSS (peak so far) in MiB after each phase: " + ", ".join(
                f"{p} {mib('rss_' + p)} ({mib('hwm_' + p)})" for p in phases) + ".")
    return out


def closes_per_request(w, meta):
    """wrk's only errors are read errors, one per request: the peer closed the connection
    after each (complete) response, which wrk counts as an error."""
    try:
        slack = int(meta.get("wrk_conns", 0))
    except ValueError:
        slack = 0
    reads = w["error_detail"].get("read", 0)
    return (w["errors"] > 0 and set(w["error_detail"]) == {"read"}
            and abs(reads - w["requests"]) <= 0.02 * w["requests"] + slack)


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def mem_total():
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return f"{int(line.split()[1]) / 2**20:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def full_report(table, res, meta):
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    size_label = "1 GiB" if meta["size_mib"] == "1024" else f"{meta['size_mib']} MiB"
    lines = [
        "# Benchmark results",
        "",
        f"Generated by `bench/run.sh{' --quick' if meta['mode'] == 'quick' else ''}` "
        f"on {now}. Every figure below comes from that one run: all four targets were "
        "measured side by side, one after the other, against the same nginx origin.",
        "",
        "> **Caveat.** This ran on a shared 2-core VM over the loopback interface only: the "
        "load generator (wrk or curl), the origin (nginx) and the proxy all compete for the "
        "same two cores, and other jobs on the host may have taken CPU too. The figures "
        "compare the proxies with each other under the same conditions; they are not "
        "absolute capacities of any of them.",
        "",
        "## Results",
        "",
        table,
        "",
        "How to read it: *req/s*, *p50* and *p99* come from wrk (small 100-byte responses, "
        "keep-alive, absolute-form requests through each proxy; origin-form for direct). "
        "*CPU-s* is the proxy's own CPU time (user + system, all its threads and processes, "
        "from `/proc/PID/stat`) during the measured run, per 10,000 completed requests or per "
        f"GiB downloaded. The downloads are one {size_label} file fetched once by curl: "
        "through a CONNECT tunnel to nginx's TLS listener (curl does the TLS, the proxy only "
        "moves bytes), and as plain HTTP; MB/s is 10^6 bytes per second from curl's "
        "`speed_download`. *idle KiB / conn* is (RSS after − RSS before) divided by the "
        "number of connections opened, each of which had sent only half a request line; "
        "*idle conns held* is how many of them the proxy still held open when measured.",
        "",
        "## Notes from this run",
        "",
    ]
    lines += [f"- {n}" for n in notes(res, meta)] or ["- nothing unusual."]
    lines += [
        "",
        "## Machine",
        "",
        f"- CPU: {cpu_model()}, `nproc` = {len(os.sched_getaffinity(0))}",
        f"- Memory: {mem_total()}; kernel {platform.release()}",
        f"- Load average (1, 5, 15 min) when measuring started: {meta['load_start']}"
        + (f" (the run first waited, up to a limit, for the 1-minute figure to fall below "
           f"{meta['max_load']})" if meta.get("wait_load") == "1" else "")
        + f"; at the end: {meta['load_end']} (this one includes the run's own wrk, curl, "
        "nginx and proxies)",
        f"- Open-file limit of every process started: {meta['nofile']}",
        "",
        "## Versions",
        "",
        f"- proxy-server: {meta['version_ours']} (commit {meta.get('git_rev', 'unknown')})",
        f"- Squid: {meta['version_squid']}",
        f"- tinyproxy: {meta['version_tinyproxy']}",
        f"- origin: {meta['version_nginx']}",
        f"- wrk: {meta['version_wrk']}",
        f"- curl: {meta['version_curl']}",
        f"- OpenSSL: {meta['version_openssl']}",
        "",
        "## Parameters",
        "",
        f"- wrk: `-t{meta['wrk_threads']} -c{meta['wrk_conns']} -d{meta['wrk_duration']}s "
        f"--timeout {meta['wrk_timeout']}s` with `bench/wrk-proxy.lua`, after an unmeasured "
        f"{meta['warmup_duration']} s warm-up run; the response is a 100-byte static file.",
        f"- Downloads: one {size_label} file (`fallocate`d and "
        "read once into the page cache before any download) with `curl -k -o /dev/null [-x http://127.0.0.1:PROXY]`, to "
        "`https://127.0.0.1:TLS/big` (through the proxy that is a CONNECT tunnel; TLS "
        "between curl and nginx, ECDSA P-256 self-signed certificate) and to "
        "`http://127.0.0.1:HTTP/big`.",
        f"- Idle connections: {int(meta['idle_conns']):,} connections opened at most 250 "
        "handshakes at a time, each sending `GET http://127.0.0.1/ HT` and nothing more; "
        "measured once the proxy's descriptor count has been stable for 2 s "
        "(`bench/idle_conns.py`). This runs first, on freshly started proxies.",
        "- proxy-server: `workers: 0` (one I/O thread per core), `http_parser` plugin "
        "only, `max_connections` and `max_connections_per_ip` 20,000, "
        "`timeouts.header_read` 60 s, logging at `warn`.",
        "- Squid: one process (`-N`, `workers 1`), `cache deny all` and no `cache_dir`, "
        "no access log, `pinger_enable off`, `max_filedescriptors` = the open-file limit.",
        f"- tinyproxy: foreground (`-d`), `MaxClients {int(meta['idle_conns']) + 1000:,}`, "
        "`Timeout 600`, `LogLevel Error`.",
        "- nginx: `worker_processes auto`, `sendfile on`, `keepalive_requests 1000000`, "
        "no access log.",
        "",
    ]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--results", required=True)
    ap.add_argument("--meta", required=True)
    ap.add_argument("--out")
    args = ap.parse_args()
    res = read_results(args.results)
    meta = read_meta(args.meta)
    table = build_table(res, meta)
    print(table)
    print()
    for n in notes(res, meta):
        print(f"- {n}")
    if args.out:
        with open(args.out, "w") as f:
            f.write(full_report(table, res, meta))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
