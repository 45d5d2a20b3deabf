#!/usr/bin/env python3
"""Markdown summary of a bench/profile.sh run.

Usage: profile_summary.py OUT_DIR REQUESTS DURATION

Reads what profile.sh left in OUT_DIR (strace -c summaries, perf reports, CPU and curl
figures, idle-connection JSON) and prints the tables: syscalls per request, CPU per 10k
requests split into user and kernel with perf's top kernel paths and user symbols, the
downloads' CPU per GiB and syscalls per MiB, splice sizes, and RSS per idle connection
with its slope.
"""
import json
import os
import re
import statistics
import sys

NAMES = {
    "ours": "proxy-server",
    "ours_all": "proxy-server, all plugins",
    "ours_pipe1m": "proxy-server, 1 MiB pipes",
    "squid": "Squid",
    "tinyproxy": "tinyproxy",
    "direct": "nginx (direct)",
}
MODES = {"keepalive": "keep-alive", "close": "Connection: close"}
# Inclusive kernel paths worth naming (perf --children), in the order printed.
KERNEL_PATHS = [
    ("entry_SYSCALL_64_after_hwframe", "all syscalls"),
    ("tcp_sendmsg", "tcp_sendmsg (send, incl. loopback xmit)"),
    ("net_rx_action", "net_rx_action (loopback receive softirq)"),
    ("tcp_v4_rcv", "tcp_v4_rcv (TCP receive)"),
    ("tcp_recvmsg", "tcp_recvmsg (read)"),
    ("skb_copy_datagram_iter", "skb_copy_datagram_iter (copy to user)"),
    ("do_splice", "do_splice"),
    ("tcp_splice_read", "tcp_splice_read (socket -> pipe)"),
    ("splice_to_socket", "splice_to_socket (pipe -> socket)"),
    ("do_epoll_wait", "epoll_wait"),
    ("do_epoll_ctl", "epoll_ctl"),
    ("__sys_accept4", "accept"),
    ("__sys_connect", "connect"),
    ("__x64_sys_close", "close"),
    ("__sys_shutdown", "shutdown"),
    ("__sys_socket", "socket"),
    ("__sys_setsockopt", "setsockopt"),
    ("schedule", "schedule (sleep, preemption)"),
    ("finish_task_switch.isra.0", "finish_task_switch (context switch)"),
]


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""


def listdir(path):
    return os.listdir(path) if os.path.isdir(path) else []


def strace_counts(path):
    """{syscall: (calls, errors)} from an strace -c summary."""
    counts = {}
    for line in read(path).splitlines():
        parts = line.split()
        if len(parts) < 5 or not re.match(r"^[\d.]+$", parts[0]) or parts[-1] == "total":
            continue
        name = parts[-1]
        numbers = parts[1:-1]  # seconds, usecs/call, calls, [errors]
        if len(numbers) == 3:
            counts[name] = (int(numbers[2]), 0)
        elif len(numbers) == 4:
            counts[name] = (int(numbers[2]), int(numbers[3]))
    return counts


def perf_table(path):
    """[(percent, rest of line)] from a perf report --stdio."""
    rows = []
    for line in read(path).splitlines():
        m = re.match(r"^\s+([\d.]+)%\s+(.*)$", line)
        if m:
            rows.append((float(m.group(1)), m.group(2)))
    return rows


def dso_shares(prefix):
    return [(pct, rest.strip()) for pct, rest in perf_table(prefix + ".dso.txt")]


def kernel_share(prefix):
    return sum(pct for pct, dso in dso_shares(prefix) if dso.startswith("[kernel"))


def kernel_paths(prefix):
    found = {}
    for line in read(prefix + ".children.txt").splitlines():
        m = re.match(r"^\s+([\d.]+)%\s+([\d.]+)%\s+\[k\]\s+(\S+)", line)
        if m:
            found.setdefault(m.group(3), float(m.group(1)))
    return [(label, found[sym]) for sym, label in KERNEL_PATHS if sym in found]


def top_user_symbols(prefix, n=8):
    out = []
    for pct, rest in perf_table(prefix + ".self.txt"):
        m = re.match(r"^(\S+)\s+\[\.\]\s+(.*)$", rest)
        if m:
            sym = m.group(2).strip()
            sym = re.sub(r"<.*>", "<…>", sym)  # template arguments would fill the page
            out.append(f"{sym} ({m.group(1)}) {pct:.1f}%")
        if len(out) == n:
            break
    return out


def kv_line(path):
    text = read(path).strip()
    return dict(part.split("=", 1) for part in text.split()[1:] if "=" in part) if text else {}


def fmt(x, digits=2):
    return f"{x:,.{digits}f}"


def section_machine(out):
    print("## Machine\n")
    for line in read(os.path.join(out, "machine.txt")).splitlines():
        key, _, value = line.partition(" ")
        print(f"- {key}: {value}")
    print()


def section_syscalls(out, requests):
    if not any(f.endswith(".strace") for f in listdir(os.path.join(out, "syscalls"))):
        return
    print("## Syscalls per request (strace -c -f, fixed request count)\n")
    for mode, label in MODES.items():
        names = ["ours", "squid", "tinyproxy", "direct"]
        counts, clients = {}, {}
        for name in names:
            counts[name] = strace_counts(os.path.join(out, "syscalls", f"{name}-{mode}.strace"))
            try:
                clients[name] = json.loads(read(os.path.join(out, "syscalls",
                                                             f"{name}-{mode}.json")))
            except ValueError:
                clients[name] = {}
        calls = sorted({c for name in names for c in counts[name]},
                       key=lambda c: -max(counts[n].get(c, (0, 0))[0] for n in names))
        print(f"### {label}\n")
        print("| syscall | " + " | ".join(NAMES[n] for n in names) + " |")
        print("|---|" + "---:|" * len(names))
        totals = {n: 0 for n in names}
        for call in calls:
            cells = []
            for name in names:
                done = clients[name].get("requests") or requests
                c, e = counts[name].get(call, (0, 0))
                totals[name] += c
                cell = f"{c / done:.2f}" if c else ""
                if e:
                    cell += f" ({e / done:.2f} failed)"
                cells.append(cell)
            if all(not c or c in ("0.00",) for c in cells):
                continue
            print(f"| {call} | " + " | ".join(cells) + " |")
        print("| **total** | " + " | ".join(
            f"**{totals[n] / (clients[n].get('requests') or requests):.2f}**" for n in names) + " |")
        print("| requests, connections opened | " + " | ".join(
            f"{clients[n].get('requests', '?')}, {clients[n].get('connections', '?')}"
            for n in names) + " |")
        print()


def section_perf(out, duration):
    if not any(f.endswith(".cpu") for f in listdir(os.path.join(out, "perf"))):
        return
    print("## CPU under wrk -t2 -c50 (perf record -g, cpu-clock)\n")
    names = ["ours", "ours_all", "squid", "tinyproxy", "direct"]
    for mode, label in MODES.items():
        print(f"### {label}\n")
        print("| | req/s | CPU-s / 10k | user | sys | perf: kernel share | wrk's CPU-s / 10k | load |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for name in names:
            kv = kv_line(os.path.join(out, "perf", f"{name}-{mode}.cpu"))
            if not kv:
                continue
            req = int(kv["requests"])
            user, sys_ = float(kv["user"]), float(kv["sys"])
            per = (user + sys_) / (req / 10_000) if req else float("nan")
            share = kernel_share(os.path.join(out, "perf", f"{name}-{mode}"))
            wrk = float(kv.get("wrk_cpu", "nan")) / (req / 10_000) if req else float("nan")
            print(f"| {NAMES[name]} | {req / duration:,.0f} | {per:.2f} | "
                  f"{user / (req / 10_000):.2f} | {sys_ / (req / 10_000):.2f} | "
                  f"{share:.0f}% | {wrk:.2f} | {kv.get('load', '')} |")
        print()
        for name in ("ours", "ours_all", "direct"):
            prefix = os.path.join(out, "perf", f"{name}-{mode}")
            paths = kernel_paths(prefix)
            if not paths:
                continue
            print(f"{NAMES[name]}, {label}: where the samples are (inclusive, % of all the "
                  "process's samples):\n")
            print("- by object: " + ", ".join(f"{dso} {pct:.1f}%"
                                             for pct, dso in dso_shares(prefix)[:6]))
            print("- kernel: " + ", ".join(f"{lbl} {pct:.1f}%" for lbl, pct in paths))
            print("- top user-space symbols (self): " + "; ".join(top_user_symbols(prefix)))
            print()


def section_downloads(out):
    if not any(f.endswith(".cpu") for f in listdir(os.path.join(out, "download"))):
        return
    print("## Downloads: CONNECT tunnel (TLS end to end) and plain HTTP\n")
    print("| | MB/s | CPU-s / GiB | user | sys | perf: kernel share | top kernel paths |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for kind in ("tunnel", "plain"):
        for name in ("ours", "ours_all", "ours_pipe1m", "direct"):
            prefix = os.path.join(out, "download", f"{kind}-{name}")
            fields = read(prefix + ".cpu").split()
            if len(fields) < 6:
                continue
            code, size, speed, _, user, sys_ = fields[:6]
            gib = int(size) / 2**30 if int(size) else float("nan")
            user, sys_ = float(user), float(sys_)
            paths = ", ".join(f"{lbl.split(' ')[0]} {pct:.0f}%"
                              for lbl, pct in kernel_paths(prefix)[1:6])
            label = f"{kind}: {NAMES[name]}" + (" (nginx's CPU, TLS included)"
                                                if name == "direct" and kind == "tunnel" else "")
            if name == "direct" and kind == "plain":
                label += " (nginx's CPU: sendfile)"
            print(f"| {label} (HTTP {code}) | {float(speed) / 1e6:,.0f} | "
                  f"{(user + sys_) / gib:.2f} | {user / gib:.2f} | {sys_ / gib:.2f} | "
                  f"{kernel_share(prefix):.0f}% | {paths} |")
    print()
    print("Syscalls per MiB moved (strace -c over a sample download) and splice sizes "
          "(strace -e splice over 64 MiB):\n")
    print("| | MiB | syscalls / MiB | splice / MiB | EAGAIN splices / MiB | epoll_wait / MiB |"
          " mean bytes per splice into a pipe | largest |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for kind in ("tunnel", "plain"):
        for name in ("ours", "ours_pipe1m"):
            prefix = os.path.join(out, "download", f"{kind}-{name}")
            counts = strace_counts(prefix + ".strace")
            fields = read(prefix + ".strace-curl").split()
            if not counts or len(fields) < 2:
                continue
            mib = int(fields[1]) / 2**20 or float("nan")
            total = sum(c for c, _ in counts.values())
            splice, splice_err = counts.get("splice", (0, 0))
            sizes = splice_sizes(prefix + ".splice")
            mean = fmt(sum(sizes) / len(sizes), 0) if sizes else ""
            print(f"| {kind}: {NAMES[name]} | {mib:.0f} | {total / mib:.1f} | {splice / mib:.1f} | "
                  f"{splice_err / mib:.2f} | {counts.get('epoll_wait', (0, 0))[0] / mib:.2f} | "
                  f"{mean} | {max(sizes) if sizes else ''} |")
    print()


def splice_sizes(path):
    """Bytes of each successful splice from a socket into a pipe (strace -e splice).

    A splice into a pipe is the one that the same thread's next call drains: that call
    asks for exactly the bytes this one returned.
    """
    call = re.compile(r"^(\d+)\s+splice\(\d+, NULL, \d+, NULL, (\d+), [^)]*\)\s+= (-?\d+)")
    last = {}  # thread -> bytes its previous call returned
    sizes = []
    for line in read(path).splitlines():
        m = call.match(line)
        if not m:
            continue
        tid, asked, got = m.group(1), int(m.group(2)), int(m.group(3))
        if last.get(tid) is not None and asked == last[tid]:
            sizes.append(asked)
            last[tid] = None  # this call drained it; it is not itself a fill
        else:
            last[tid] = got if got > 0 else None
    return sizes


def section_pipe_rounds(out):
    # Each line: NAME KIND ROUND HTTP-CODE BYTES SPEED CPU-S LOAD
    rows = [line.split() for line in read(os.path.join(out, "download",
                                                        "pipe-rounds.txt")).splitlines()]
    rows = [r for r in rows if len(r) >= 8 and int(r[4]) > 0]
    if not rows:
        return
    print("64 KiB against 1 MiB splice pipes, alternating rounds of 1 download each, without "
          "perf: a CONNECT tunnel carrying plain HTTP (curl -p) and plain HTTP "
          "(absolute-form); proxy CPU-s per GiB:\n")
    print("| | CPU-s / GiB, median | each round | MB/s, median |")
    print("|---|---:|---|---:|")
    for kind in ("tunnel", "plain"):
        for name in ("ours", "ours_pipe1m"):
            mine = [r for r in rows if r[0] == name and r[1] == kind]
            if not mine:
                continue
            per = [float(r[6]) / (int(r[4]) / 2**30) for r in mine]
            speeds = [float(r[5]) / 1e6 for r in mine]
            each = " / ".join(f"{x:.2f}" for x in per)
            print(f"| {kind}: {NAMES[name]} | {statistics.median(per):.2f} | {each} | "
                  f"{statistics.median(speeds):,.0f} |")
    print()


def section_idle(out):
    rows = []
    folder = os.path.join(out, "idle")
    for entry in listdir(folder):
        try:
            data = json.loads(read(os.path.join(folder, entry)))
        except ValueError:
            continue
        rows.append(data)
    if not rows:
        return
    rows.sort(key=lambda d: d["alive"])
    print("## RSS of idle connections (fresh proxy-server per count, nothing sent)\n")
    print("| asked | held | RSS before KiB | RSS after KiB | KiB / held | slope from the row above, KiB / conn |")
    print("|---:|---:|---:|---:|---:|---:|")
    prev = None
    for d in rows:
        slope = ""
        if prev and d["alive"] > prev["alive"]:
            slope = fmt((d["rss_after_kib"] - prev["rss_after_kib"]) / (d["alive"] - prev["alive"]))
        print(f"| {d['requested']:,} | {d['alive']:,} | {d['rss_before_kib']:,} | "
              f"{d['rss_after_kib']:,} | {d['kib_per_held_conn']} | {slope} |")
        prev = d
    first, last = rows[0], rows[-1]
    if last["alive"] > first["alive"]:
        slope = (last["rss_after_kib"] - first["rss_after_kib"]) / (last["alive"] - first["alive"])
        at_100k = (last["rss_after_kib"] + slope * (100_000 - last["alive"])) / 1024
        print(f"\nSlope over the whole range: {slope:.2f} KiB per connection. An extrapolation, "
              f"not a measurement: 100,000 idle connections at that slope would be about "
              f"{at_100k:,.0f} MiB of RSS.\n")


def main(argv):
    out, requests, duration = argv[1], int(argv[2]), float(argv[3])
    section_machine(out)
    section_syscalls(out, requests)
    section_perf(out, duration)
    section_downloads(out)
    section_pipe_rounds(out)
    section_idle(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
