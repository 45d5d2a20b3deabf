#!/usr/bin/env python3
"""Turns the raw figures bench/run.sh collected into the Markdown report.

Usage: report.py --results FILE --meta FILE [--out FILE]
  --results  lines "TARGET KEY VALUE" (see run.sh)
  --meta     lines "key=value": parameters, load averages, versions
  --out      also write the full report (host, versions, parameters, tables, notes) there
The tables and notes go to stdout either way. Also imported by plot_connections.py.
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
SHORT = {
    "direct": "direct",
    "ours": "proxy-server",
    "ours_all": "proxy-server, all plugins",
    "squid": "Squid",
    "tinyproxy": "tinyproxy",
}
OURS = ["ours", "ours_all"]
PHASES = ["start", "idle", "wrk", "close", "tunnel", "plain", "fresh", "sweep"]
GIB = 1 << 30
MIB_256_KIB = 256 * 1024


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
    except (KeyError, ValueError, TypeError):
        return None


def fmt(x, digits=2):
    if x is None:
        return "—"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.{digits}f}"


def ratio(a, b):
    return a / b if a is not None and b else None


# --- figures from the raw results ------------------------------------------------------

def wrk_figures(r, prefix="wrk"):
    reqs = num(r, f"{prefix}_requests")
    dur = num(r, f"{prefix}_duration_us")
    if reqs is None or not dur:
        return None
    err_keys = [k for k in r if k.startswith(f"{prefix}_err_")]
    detail = {k[len(prefix) + 5:]: int(r[k]) for k in err_keys if int(r[k])}
    cpu = num(r, f"{prefix}_cpu")
    return {
        "requests": reqs,
        "rps": reqs / (dur / 1e6),
        "bytes": num(r, f"{prefix}_bytes"),
        "p50": num(r, f"{prefix}_p50_us") / 1000,
        "p99": num(r, f"{prefix}_p99_us") / 1000,
        "errors": sum(detail.values()),
        "error_detail": detail,
        "cpu": cpu,
        "cpu_per_10k": (cpu / (reqs / 1e4)) if cpu is not None and reqs else None,
    }


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


def download_figures(r, kind, size):
    if f"{kind}_bytes" not in r:
        return None
    got = num(r, f"{kind}_bytes") or 0
    code = r.get(f"{kind}_code", "0")
    cpu = num(r, f"{kind}_cpu")
    return {
        "ok": got == size and code == "200",
        "bytes": got,
        "code": code,
        "connect_code": r.get(f"{kind}_connect_code", "0"),
        "mbps": (num(r, f"{kind}_speed") or 0) / 1e6,
        "cpu_per_gib": (cpu / (got / GIB)) if cpu is not None and got else None,
        "cpu": cpu,
        "error": r.get(f"{kind}_error", ""),
    }


def json_figures(r, key):
    raw = r.get(key)
    if not raw or raw == "null":
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def sweep_conns(meta):
    """The connection counts measured: the sweep's, and the main run's."""
    done = {int(c) for c in meta.get("sweep_run", "").split()}
    done.add(int(meta.get("wrk_conns", 50)))
    return sorted(c for c in (int(x) for x in meta.get("sweep_conns", "").split())
                  if c in done) or sorted(done)


def sweep_figures(res, meta):
    """{target: [(connections, wrk figures or None)]}"""
    main = int(meta.get("wrk_conns", 50))
    return {t: [(c, wrk_figures(res.get(t, {}), "wrk" if c == main else f"c{c}"))
                for c in sweep_conns(meta)] for t in TARGETS}


class Run:
    """Every figure of one run, per target."""

    def __init__(self, res, meta):
        self.res, self.meta = res, meta
        self.size = int(meta["size_mib"]) * 2**20
        self.size_label = "1 GiB" if self.size == GIB else f"{meta['size_mib']} MiB"
        g = lambda t: res.get(t, {})  # noqa: E731
        self.ka = {t: wrk_figures(g(t), "wrk") for t in TARGETS}
        self.close = {t: wrk_figures(g(t), "close") for t in TARGETS}
        self.tunnel = {t: download_figures(g(t), "tunnel", self.size) for t in TARGETS}
        self.plain = {t: download_figures(g(t), "plain", self.size) for t in TARGETS}
        self.idle = {t: json_figures(g(t), "idle") for t in TARGETS}
        self.idle_quiet = {t: json_figures(g(t), "idle_quiet") for t in TARGETS}
        self.fresh = {t: json_figures(g(t), "fresh") for t in TARGETS}
        self.many = json_figures(g("ours"), "many")
        self.many_asked = int(meta.get("many", "0") or 0)


# --- the main table: one row per figure, one column per peer, and the target -----------

def rps_cell(run, figs, t, prefix):
    w = figs[t]
    if w:
        return fmt(w["rps"], 0)
    return "failed" if f"{prefix}_failed" in run.res.get(t, {}) else "—"


def cpu_cell(figs, t, key="cpu_per_10k"):
    if t == "direct":
        return "—"
    w = figs[t]
    return fmt(w[key]) if w and w.get("ok", True) else "—"


def speed_cell(d):
    if d is None:
        return "—"
    if not d["ok"]:
        return f"failed ({fmt(d['bytes'] / 2**20, 1)} MiB, HTTP {d['code']})"
    return fmt(d["mbps"], 0)


def idle_cell(run, t, figures=None):
    if t == "direct":
        return "—"
    i = (figures if figures is not None else run.idle)[t]
    if not i:
        return "failed"
    cell = fmt(i.get("kib_per_conn"))
    if i["alive"] < i["requested"]:
        cell += f" ({i['alive']:,} held)"
    return cell


def fresh_cell(run, t, key):
    f = run.fresh[t]
    if t == "direct":
        if key == "median_extra_ms":
            ms = [run.fresh[p]["median_direct_ms"] for p in TARGETS
                  if run.fresh[p] and run.fresh[p].get("median_direct_ms") is not None]
            return f"({fmt(sorted(ms)[len(ms) // 2], 2)} ms itself)" if ms else "—"
        return "1"
    if not f or f.get(key) is None:
        return "failed" if t in run.res and "fresh" in run.res[t] else "—"
    if key == "median_extra_ms":
        return f"{f[key]:+.2f}"
    return f"{f[key]:.2f}×"


def p99_ratio_cell(run, t):
    if t == "direct":
        return "1"
    r = ratio(run.ka[t]["p99"] if run.ka[t] else None,
              run.ka["direct"]["p99"] if run.ka["direct"] else None)
    return f"{r:.2f}×" if r is not None else "—"


def many_cell(run, t):
    if t != "ours":
        return "—"
    if not run.many_asked:
        return "not run (--quick)"
    m = run.many
    if not m:
        return "failed"
    return (f"{m['alive']:,} held; {m['rss_after_kib'] / 1024:,.1f} MiB, "
            f"{fmt(m.get('kib_per_conn'))} KiB / conn")


def main_table(run):
    sz = run.size_label
    idle_n = int(run.meta["idle_conns"])
    many_n = run.many_asked or 100000
    rows = [
        (f"keep-alive req/s (wrk -c{run.meta['wrk_conns']})",
         lambda t: rps_cell(run, run.ka, t, "wrk"),
         "≥ 3× Squid; all plugins ≥ 2.5×"),
        ("CPU-s / 10k keep-alive requests", lambda t: cpu_cell(run.ka, t),
         "≤ 0.20; all plugins ≤ 0.30"),
        ("`Connection: close` req/s", lambda t: rps_cell(run, run.close, t, "close"),
         "≥ 2× Squid and ≥ 1.5× tinyproxy"),
        ("CPU-s / 10k `Connection: close` requests", lambda t: cpu_cell(run.close, t),
         "≤ 0.6"),
        (f"CONNECT + TLS {sz}: MB/s", lambda t: speed_cell(run.tunnel[t]),
         "≥ 90% of direct"),
        ("CPU-s / GiB tunnelled", lambda t: cpu_cell(run.tunnel, t, "cpu_per_gib"), "≤ 0.25"),
        (f"plain HTTP {sz}: MB/s", lambda t: speed_cell(run.plain[t]), "≥ 60% of direct"),
        ("CPU-s / GiB plain", lambda t: cpu_cell(run.plain, t, "cpu_per_gib"), "≤ 0.5"),
        (f"KiB RSS / idle keep-alive connection, nothing sent ({idle_n:,}, fresh process)",
         lambda t: idle_cell(run, t, run.idle_quiet), "≤ 2"),
        (f"KiB RSS / slow connection, half a request line ({idle_n:,}, after the quiet step)",
         lambda t: idle_cell(run, t), ""),
        ("fresh request: median extra ms over direct",
         lambda t: fresh_cell(run, t, "median_extra_ms"), "≤ 0.5"),
        ("fresh request: total time ÷ direct's", lambda t: fresh_cell(run, t, "ratio"), ""),
        (f"p99 ms at {run.meta['wrk_conns']} keep-alive connections",
         lambda t: fmt(run.ka[t]["p99"]) if run.ka[t] else "—", ""),
        ("p99 ÷ direct's p99", lambda t: p99_ratio_cell(run, t), "≤ 2×"),
        (f"{many_n // 1000}k idle connections, one process",
         lambda t: many_cell(run, t), "all held, < 256 MiB"),
    ]
    head = [""] + [SHORT[t] for t in TARGETS] + ["target (proxy-server)"]
    lines = ["| " + " | ".join(head) + " |",
             "|---|" + "---:|" * len(TARGETS) + "---|"]
    for label, cell, target in rows:
        lines.append("| " + " | ".join([label] + [cell(t) for t in TARGETS] + [target]) + " |")
    return "\n".join(lines)


# --- the targets the team tracks: pass or miss, for both builds of ours ----------------

def verdict(ok):
    return "not measured" if ok is None else ("**pass**" if ok else "**miss**")


def all_ok(*checks):
    return None if any(c is None for c in checks) else all(checks)


def le(x, limit):
    return None if x is None else x <= limit


def ge(x, limit):
    return None if x is None else x >= limit


def target_rows(run):
    """[(target text, {ours: (value text, ok)}, ...)]"""
    rows = []

    def rps(figs, t):
        return figs[t]["rps"] if figs[t] else None

    def per(label, fn):
        rows.append((label, {t: fn(t) for t in OURS}))

    def ka_vs_squid(t):
        x = ratio(rps(run.ka, t), rps(run.ka, "squid"))
        need = 3.0 if t == "ours" else 2.5
        return (f"{fmt(x)}× (needs {need}×)" if x is not None else "—", ge(x, need))
    per("keep-alive req/s ≥ 3× Squid (parser only), ≥ 2.5× (all plugins)", ka_vs_squid)

    def ka_cpu(t):
        x = run.ka[t]["cpu_per_10k"] if run.ka[t] else None
        need = 0.20 if t == "ours" else 0.30
        return (f"{fmt(x)} CPU-s / 10k (needs ≤ {need:.2f})", le(x, need))
    per("keep-alive CPU ≤ 0.20 CPU-s / 10k (parser only), ≤ 0.30 (all plugins)", ka_cpu)

    def close(t):
        a = ratio(rps(run.close, t), rps(run.close, "squid"))
        b = ratio(rps(run.close, t), rps(run.close, "tinyproxy"))
        c = run.close[t]["cpu_per_10k"] if run.close[t] else None
        return (f"{fmt(a)}× Squid, {fmt(b)}× tinyproxy, {fmt(c)} CPU-s / 10k",
                all_ok(ge(a, 2.0), ge(b, 1.5), le(c, 0.6)))
    per("`Connection: close` req/s ≥ 2× Squid and ≥ 1.5× tinyproxy, at ≤ 0.6 CPU-s / 10k",
        close)

    def fresh(t):
        f = run.fresh[t]
        x = f.get("median_extra_ms") if f else None
        return (f"{x:+.2f} ms" if x is not None else "—", le(x, 0.5))
    per("a fresh request within 0.5 ms of direct (median of the A/B pairs)", fresh)

    def download(figs, share, cpu_limit):
        def check(t):
            d, base = figs[t], figs["direct"]
            ok_d = d and d["ok"] and base and base["ok"]
            x = ratio(d["mbps"], base["mbps"]) if ok_d else None
            c = d["cpu_per_gib"] if d and d["ok"] else None
            text = (f"{x * 100:.0f}% of direct, {fmt(c)} CPU-s / GiB" if x is not None
                    else "—")
            return text, all_ok(ge(x, share), le(c, cpu_limit))
        return check
    per("CONNECT ≥ 90% of direct MB/s at ≤ 0.25 CPU-s / GiB", download(run.tunnel, 0.9, 0.25))
    per("plain HTTP ≥ 60% of direct MB/s at ≤ 0.5 CPU-s / GiB", download(run.plain, 0.6, 0.5))

    def idle(t):
        i = run.idle_quiet[t]
        x = i.get("kib_per_conn") if i else None
        return (f"{fmt(x)} KiB" if x is not None else "—", le(x, 2.0))
    per("≤ 2 KiB RSS per idle connection", idle)

    def many(t):
        if t != "ours":
            return ("not measured (parser only)", None)
        m = run.many
        if not run.many_asked:
            return ("not run (--quick)", None)
        if not m:
            return ("failed", None)
        held = m["alive"]
        text = f"{held:,} held, {m['rss_after_kib'] / 1024:,.1f} MiB"
        return text, held >= run.many_asked and m["rss_after_kib"] < MIB_256_KIB
    per(f"{(run.many_asked or 100000):,} idle connections held under 256 MiB (parser only)",
        many)

    def p99(t):
        x = ratio(run.ka[t]["p99"] if run.ka[t] else None,
                  run.ka["direct"]["p99"] if run.ka["direct"] else None)
        return (f"{fmt(x)}× direct's" if x is not None else "—", le(x, 2.0))
    per(f"p99 at {run.meta['wrk_conns']} connections ≤ 2× direct's", p99)
    return rows


def targets_table(run):
    lines = ["| target | " + " | ".join(SHORT[t] for t in OURS) + " |",
             "|---|" + "---|" * len(OURS)]
    for label, cells in target_rows(run):
        lines.append("| " + label + " | " + " | ".join(
            f"{cells[t][0]}: {verdict(cells[t][1])}" if cells[t][1] is not None
            else cells[t][0] for t in OURS) + " |")
    return "\n".join(lines)


def target_summary(run):
    passed = missed = 0
    for _, cells in target_rows(run):
        for t in OURS:
            ok = cells[t][1]
            passed += ok is True
            missed += ok is False
    return passed, missed


# --- the connections sweep and the per-peer details -------------------------------------

def sweep_table(run):
    sweep = sweep_figures(run.res, run.meta)
    lines = ["| connections | " + " | ".join(SHORT[t] for t in TARGETS) + " |",
             "|---:|" + "---:|" * len(TARGETS)]
    for i, c in enumerate(sweep_conns(run.meta)):
        cells = []
        for t in TARGETS:
            w = sweep[t][i][1]
            cells.append(f"{fmt(w['rps'], 0)} req/s, p99 {fmt(w['p99'])} ms" if w else "—")
        lines.append(f"| {c:,} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def errors_cell(w, meta):
    if not w:
        return "—"
    if closes_per_request(w, meta):
        return f"0 (+{w['errors']:,} closes)"
    return f"{w['errors']:,}"


def details_table(run):
    head = ["", "keep-alive p50 ms", "keep-alive wrk errors", "close p50 ms", "close p99 ms",
            "close wrk errors", "idle conns held", "fresh request median ms"]
    lines = ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]
    for t in TARGETS:
        ka, cl, i, f = run.ka[t], run.close[t], run.idle[t], run.fresh[t]
        if t == "direct":
            held, fresh = "—", "—"
        else:
            held = f"{i['alive']:,} / {i['requested']:,}" if i else "failed"
            fresh = (f"{f['median_proxy_ms']:.2f} (direct {f['median_direct_ms']:.2f})"
                     if f and f.get("median_proxy_ms") is not None else "—")
        lines.append("| " + " | ".join([
            LABELS[t], fmt(ka["p50"]) if ka else "—", errors_cell(ka, run.meta),
            fmt(cl["p50"]) if cl else "—", fmt(cl["p99"]) if cl else "—",
            errors_cell(cl, run.meta), held, fresh]) + " |")
    return "\n".join(lines)


# --- the 100k step, explained ---------------------------------------------------------

def cap_text(meta):
    cap = meta.get("cap_sys_resource")
    if cap == "0":
        return "the run lacks CAP_SYS_RESOURCE, which raising a hard limit needs"
    if cap == "1":
        return "although the run has CAP_SYS_RESOURCE"
    return "raising a hard limit needs CAP_SYS_RESOURCE"


def many_explanation(run):
    """What the 100k idle step reached and, when it fell short, why."""
    if not run.many_asked:
        return None
    r = run.res.get("ours", {})
    m = run.many
    want = run.many_asked
    if not m:
        return f"The {want:,}-connection step failed: `idle_conns.py` printed no result."
    held = m["alive"]
    text = (f"{held:,} of {want:,} idle connections held by one proxy-server process "
            f"(`http_parser` only); RSS {m['rss_before_kib'] / 1024:,.1f} → "
            f"{m['rss_after_kib'] / 1024:,.1f} MiB, i.e. {fmt(m.get('kib_per_conn'))} KiB "
            f"per held connection; clients: {m['processes']} processes from "
            f"{m['sources']} source addresses, opened in {m['open_seconds']} s.")
    if held >= want:
        return text
    why = []
    soft = num(r, "many_nofile_soft")
    wanted = num(r, "many_nofile_wanted")
    if soft is not None and wanted is not None and soft < wanted:
        cap = int((soft - 128) // 2)
        why.append(
            f"the proxy's open-file limit was {soft:,.0f}, not the {wanted:,.0f} asked for: "
            f"the hard limit here is {r.get('many_nofile_hard', '?')} and raising it failed "
            f"({cap_text(run.meta)}; fs.nr_open is {run.meta.get('nr_open', '?')}). "
            f"proxy-server budgets two descriptors per "
            f"connection (client and upstream) plus 128, so it serves at most "
            f"({soft:,.0f} − 128) / 2 = {cap:,} connections")
        if r.get("many_warn"):
            why[-1] += f"; it logged: `{r['many_warn']}`"
    errors = m.get("errors", {})
    refused = m["connected"] - held
    if refused > 0:
        why.append(f"the proxy closed {refused:,} connections it had accepted (beyond its cap)")
    if errors.get("EADDRNOTAVAIL"):
        why.append(f"{errors['EADDRNOTAVAIL']:,} connects found no free local port "
                   f"(EADDRNOTAVAIL; port range {run.meta.get('port_range', '?')} per source "
                   f"address, {m['sources']} addresses)")
    for code, what in (("EMFILE", "the client's own descriptor limit"),
                       ("ENFILE", "the system-wide file limit"),
                       ("ENOBUFS", "kernel memory"), ("ENOMEM", "kernel memory"),
                       ("timeout", "handshakes that did not complete in time"),
                       ("not_tried", "connections not tried before the deadline"),
                       ("client_died", "a client process that died")):
        if errors.get(code):
            why.append(f"{errors[code]:,} × {code} ({what})")
    other = {k: v for k, v in errors.items()
             if k not in ("EADDRNOTAVAIL", "EMFILE", "ENFILE", "ENOBUFS", "ENOMEM", "timeout",
                          "not_tried", "client_died")}
    if other:
        why.append("other failures: " + ", ".join(f"{k} {v:,}" for k, v in sorted(other.items())))
    if not errors.get("EADDRNOTAVAIL") and m["connected"] >= want:
        why.append(f"the client side was not the limit: all {want:,} connected "
                   f"({m['sources']} source addresses × ports {run.meta.get('port_range', '?')})")
    mem = num(r, "many_mem_available_kib")
    if mem is not None:
        why.append(f"memory was not the limit: {mem / 2**20:.1f} GiB available at the start")
    text += (f" **{want:,} were not reached; the largest count held was {held:,}.** Why: "
             + "; ".join(why) + ".")
    per = m.get("kib_per_conn")
    if per:
        projected = (m["rss_before_kib"] + per * want) / 1024
        text += (f" An extrapolation, not a measurement: at {per:.2f} KiB per connection, "
                 f"{want:,} would take about {projected:,.0f} MiB"
                 f" ({'under' if projected < 256 else 'over'} 256 MiB).")
    return text


# --- notes ----------------------------------------------------------------------------

def wrk_notes(name, runs, r, meta):
    """RUNS: [(label, figures, prefix)] of one target. One note for the runs in which the
    peer closed after every response, one per run that failed or had other errors."""
    out = []
    closing = [label for label, w, _ in runs if w and closes_per_request(w, meta)]
    if closing:
        out.append(f"wrk through {name} counted one read error per request and no bad status "
                   f"in the {', '.join(closing)} runs: the peer closes the client connection "
                   "after every response without saying so in the response, which wrk counts "
                   "as a read error before it reconnects. Those figures therefore include a "
                   "TCP handshake per request.")
    for label, w, prefix in runs:
        if f"{prefix}_failed" in r:
            out.append(f"wrk ({label}) through {name} produced no summary.")
        elif w and w["errors"] and not closes_per_request(w, meta):
            detail = ", ".join(f"{k} {v:,}" for k, v in sorted(w["error_detail"].items()))
            out.append(f"wrk ({label}) through {name}: {w['errors']:,} errors ({detail}) "
                       f"out of {w['requests']:,.0f} requests "
                       "(wrk's `status` counts responses with a status of 400 or more).")
    return out


def notes(run):
    """Plain statements of anything that went wrong or that the tables hide."""
    res, meta = run.res, run.meta
    out = []
    sizes = []
    for t in TARGETS:
        w = run.ka[t]
        if w and w["requests"] and w["bytes"] is not None:
            sizes.append(f"{LABELS[t]} {w['requests']:,.0f} requests, "
                         f"{w['bytes'] / w['requests']:.0f} B")
    if sizes:
        out.append("wrk keep-alive, completed requests and bytes read per response (head and "
                   "body): " + "; ".join(sizes) + ".")
    loads = res.get("machine", {})
    phases = [p for p in PHASES if f"load_{p}" in loads]
    if phases:
        out.append("1-minute load average after each phase (the run's own wrk, curl, nginx "
                   "and proxies included): "
                   + ", ".join(f"{p} {loads['load_' + p]}" for p in phases) + ".")
    for t in TARGETS:
        r = res.get(t, {})
        name = LABELS[t]
        if "died_before" in r:
            out.append(f"{name} was no longer running before the {r['died_before']} phase; "
                       "later figures for it are missing.")
        runs = [("keep-alive", run.ka[t], "wrk"), ("`Connection: close`", run.close[t], "close")]
        runs += [(f"{c:,}-connection", w, f"c{c}") for c, w in sweep_figures(res, meta)[t]
                 if c != int(meta["wrk_conns"])]
        out += wrk_notes(name, runs, r, meta)
        for kind, label in (("tunnel", "TLS download through CONNECT"),
                            ("plain", "plain-HTTP download")):
            d = download_figures(r, kind, run.size)
            if d and not d["ok"]:
                msg = (f"{label} via {name} failed: {d['bytes']:,.0f} of {run.size:,} bytes, "
                       f"HTTP {d['code']}")
                if kind == "tunnel" and t != "direct":
                    msg += f", CONNECT answered {d['connect_code']}"
                if d["error"]:
                    msg += f" ({d['error']})"
                out.append(msg + ".")
        f = run.fresh[t]
        if t != "direct" and f and f["failed"]:
            out.append(f"Fresh requests via {name}: {f['failed']} of {f['pairs']} pairs had a "
                       "failed request (no 200) and were left out.")
        elif t != "direct" and "fresh" in r and not f:
            out.append(f"Fresh requests via {name}: the measurement failed.")
        idle = run.idle[t]
        if t != "direct" and idle:
            held = idle["fds_after"] - idle["fds_before"]
            per_held = idle.get("kib_per_held_conn")
            errs = ", ".join(f"{k} {v:,}" for k, v in sorted(idle.get("errors", {}).items()))
            out.append(
                f"Idle connections, {name}: {idle['connected']:,} of {idle['requested']:,} "
                f"connected ({idle['failed']:,} failed{': ' + errs if errs else ''}), "
                f"{idle['alive']:,} still open after settling; RSS "
                f"{idle['rss_before_kib']:,} → {idle['rss_after_kib']:,} KiB; open descriptors "
                f"{idle['fds_before']:,} → {idle['fds_after']:,} (+{held:,})"
                + (f", i.e. {per_held:.2f} KiB per descriptor the proxy gained" if per_held
                   else "") + ".")
        elif t != "direct":
            out.append(f"Idle connections, {name}: the measurement failed.")
        if t == "ours" and int(r.get("log_lines", "0")) > 0:
            out.append(f"{name} logged {int(r['log_lines']):,} lines at warn level or above "
                       f"during the run; the last: `{r.get('log_last', '')}`.")
        phases = [p for p in PHASES if f"rss_{p}" in r]
        if t != "direct" and phases:
            mib = lambda k: f"{int(r[k]) / 1024:.1f}"  # noqa: E731
            out.append(f"Memory of {name}, RSS (peak so far) in MiB after each phase: " + ", ".join(
                f"{p} {mib('rss_' + p)} ({mib('hwm_' + p)})" for p in phases) + ".")
    return out


# --- the report -------------------------------------------------------------------------

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


def stdout_report(run):
    parts = [main_table(run), "", targets_table(run), "", sweep_table(run), "",
             details_table(run), ""]
    many = many_explanation(run)
    if many:
        parts += [many, ""]
    parts += [f"- {n}" for n in notes(run)]
    return "\n".join(parts)


def full_report(run):
    meta, res = run.meta, run.res
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    quick = meta["mode"] == "quick"
    passed, missed = target_summary(run)
    waited = meta.get("wait_load") == "1"
    lines = [
        "# Benchmark results",
        "",
        f"Generated by `bench/run.sh{' --quick' if quick else ''}"
        f"{'' if waited or quick else ' --no-wait'}` on {now}. Every figure below comes "
        "from that one run: all five targets were measured side by side, one after the "
        f"other, against the same nginx origin, in {int(meta['measure_seconds']) / 60:.1f} "
        "minutes of measuring.",
        "",
        "> **Caveat.** This ran on a shared 2-core VM over the loopback interface only: the "
        "load generator (wrk or curl), the origin (nginx) and the proxy all compete for the "
        "same two cores, and other jobs on the host may have taken CPU too"
        + ("" if waited or quick else
           " (this run did not wait for the machine's load to settle: `--no-wait`)")
        + ". The figures compare the proxies with each other under the same conditions; "
        "they are not absolute capacities of any of them.",
        "",
        "## Results",
        "",
        main_table(run),
        "",
        "How to read it: *req/s* and *p99* come from wrk (100-byte responses, absolute-form "
        "requests through each proxy, origin-form for direct), once with keep-alive and once "
        "with a `Connection: close` header on every request, so that each request pays a "
        "new connection to the proxy (and the proxy one to the origin). *CPU-s* is the "
        "proxy's own CPU time (user + system, all its threads and processes, from "
        "`/proc/PID/stat`) during the measured run, per 10,000 completed requests or per "
        f"GiB downloaded. The downloads are one {run.size_label} file fetched once by curl: "
        "through a CONNECT tunnel to nginx's TLS listener (curl does the TLS, the proxy only "
        "moves bytes), and as plain HTTP; MB/s is 10^6 bytes per second from curl's "
        "`speed_download`. *KiB RSS / connection* is (RSS after − RSS before) divided by "
        "the connections the proxy still held: first quiet keep-alive clients that sent "
        "nothing, then slow ones that sent half a request line and went quiet. "
        f"*Fresh request*: {meta['fresh_pairs']} pairs of new curl processes, one "
        "through the proxy and one direct, in alternating order; the median of the pairs' "
        "differences in curl's `time_total`, and the sum through the proxy divided by the "
        "sum direct (the direct column shows direct's own median).",
        "",
        "## Targets",
        "",
        f"{passed} met, {missed} missed"
        + (" (a `--quick` run: smaller downloads and fewer connections than the targets "
           "are stated for, so these verdicts are indicative only)" if quick else "")
        + ". The same thresholds are applied to the build with all six plugins where the "
        "team states none of its own.",
        "",
        targets_table(run),
        "",
        "## Connections sweep",
        "",
        f"Keep-alive, 100-byte responses, `wrk -t2` (`-t1` for one connection), "
        f"{meta['sweep_duration']} s per point after a {meta['sweep_warmup']} s warm-up; the "
        f"{meta['wrk_conns']}-connection point is the {meta['wrk_duration']} s run of the "
        "table above.",
        "",
    ]
    if meta.get("chart"):
        lines += [f"![req/s and p99 against connections]({meta['chart']})", ""]
    lines += [
        sweep_table(run),
        "",
        "## Details",
        "",
        details_table(run),
        "",
    ]
    many = many_explanation(run)
    if many:
        lines += [f"## {run.many_asked:,} idle connections", "", many, ""]
    lines += ["## Notes from this run", ""]
    lines += [f"- {n}" for n in notes(run)] or ["- nothing unusual."]
    lines += [
        "",
        "## Machine",
        "",
        f"- CPU: {cpu_model()}, `nproc` = {len(os.sched_getaffinity(0))}",
        f"- Memory: {mem_total()}; kernel {platform.release()}",
        f"- Load average (1, 5, 15 min) when measuring started: {meta['load_start']}"
        + (f" (the run first waited, up to a limit, for the 1-minute figure to fall below "
           f"{meta['max_load']})" if waited else " (the run did not wait for it to settle)")
        + f"; at the end: {meta['load_end']} (this one includes the run's own wrk, curl, "
        "nginx and proxies)",
        f"- Open-file limit of every process started: {meta['nofile']} (hard limit "
        f"{meta.get('nofile_hard', '?')}, fs.nr_open {meta.get('nr_open', '?')}); "
        f"ephemeral ports {meta.get('port_range', '?')}",
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
        f"{meta['warmup_duration']} s warm-up run; the response is a 100-byte static file. "
        "The `Connection: close` run adds `-H 'Connection: close'`. The sweep: "
        f"{', '.join(meta.get('sweep_conns', '').split())} connections.",
        f"- Downloads: one {run.size_label} file (`fallocate`d and read once into the page "
        "cache before any download) with `curl -k -o /dev/null [-x http://127.0.0.1:PROXY]`, "
        "to `https://127.0.0.1:TLS/big` (through the proxy that is a CONNECT tunnel; TLS "
        "between curl and nginx, ECDSA P-256 self-signed certificate) and to "
        "`http://127.0.0.1:HTTP/big`.",
        f"- Idle connections: {int(meta['idle_conns']):,} connections opened at most 250 "
        "handshakes at a time, each sending `GET http://127.0.0.1/ HT` and nothing more; "
        "measured once the proxy's descriptor count has been stable for 2 s "
        "(`bench/idle_conns.py`). This runs first, on freshly started proxies.",
        f"- Fresh requests: `bench/fresh_latency.py`, {meta['fresh_pairs']} A/B pairs per "
        "proxy after 2 unmeasured pairs, `curl -o /dev/null` of the 100-byte file.",
    ]
    if run.many_asked:
        lines.append(
            f"- {run.many_asked:,} idle connections: a separate, fresh proxy-server "
            f"(`http_parser` only, `max_connections` and `max_connections_per_ip` "
            f"{run.many_asked + 1000:,}, `timeouts.header_read` 600 s) started with the "
            "open-file limit raised as far as allowed; the clients, as above, connect from "
            f"127.0.0.1 to 127.0.0.{meta['many_sources']} and run in as many processes as "
            "their own descriptor limit needs.")
    lines += [
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
    run = Run(read_results(args.results), read_meta(args.meta))
    print(stdout_report(run))
    if args.out:
        with open(args.out, "w") as f:
            f.write(full_report(run))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
