#!/usr/bin/env python3
"""Draws the connection sweep of bench/run.sh: req/s and p99 against wrk connections.

Usage: plot_connections.py --results FILE --meta FILE --out PNG
Reads the same raw figures as report.py (lines "TARGET KEY VALUE"); one line per peer.
"""
import argparse

import matplotlib

matplotlib.use("Agg")  # no display: write the file only
import matplotlib.pyplot as plt  # noqa: E402

import report  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--results", required=True)
    ap.add_argument("--meta", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    res = report.read_results(args.results)
    meta = report.read_meta(args.meta)
    sweep = report.sweep_figures(res, meta)

    fig, (ax_rps, ax_p99) = plt.subplots(1, 2, figsize=(11, 4.5))
    for t in report.TARGETS:
        points = [(c, w) for c, w in sweep.get(t, []) if w]
        if not points:
            continue
        conns = [c for c, _ in points]
        ax_rps.plot(conns, [w["rps"] for _, w in points], marker="o", label=report.SHORT[t])
        ax_p99.plot(conns, [w["p99"] for _, w in points], marker="o", label=report.SHORT[t])
    for ax, title, unit in ((ax_rps, "Throughput", "requests per second"),
                            (ax_p99, "Tail latency", "p99 latency, ms")):
        ax.set_xscale("log")
        ax.set_xlabel("keep-alive connections (wrk -c)")
        ax.set_ylabel(unit)
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
        ax.set_xticks(report.sweep_conns(meta))
        ax.get_xaxis().set_major_formatter(matplotlib.ticker.ScalarFormatter())
        ax.minorticks_off()
    ax_p99.set_yscale("log")
    ax_rps.set_ylim(bottom=0)
    ax_rps.legend(fontsize="small")
    ax_rps.get_yaxis().set_major_formatter(
        matplotlib.ticker.FuncFormatter(lambda y, _: f"{y:,.0f}"))
    fig.suptitle(f"Keep-alive, 100-byte responses through each peer: "
                 f"{meta.get('sweep_duration', '?')} s per point ({meta.get('wrk_conns')} "
                 f"connections: the {meta.get('wrk_duration')} s main run); 2 cores shared by "
                 "wrk, nginx and the proxy", fontsize="medium")
    fig.tight_layout()
    fig.savefig(args.out, dpi=110)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
