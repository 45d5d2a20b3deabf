#!/usr/bin/env python3
"""Process-tree figures from /proc, summed over a PID and its live descendants.

Usage: procstat.py cpu|user|sys|rss|hwm|fds PID
  cpu  CPU seconds used so far (utime + stime from /proc/PID/stat, all threads)
  user, sys  the same, user space only (utime) or kernel only (stime)
  rss  resident set size in KiB (VmRSS from /proc/PID/status)
  hwm  peak resident set size so far in KiB (VmHWM from /proc/PID/status)
  fds  open file descriptors (entries of /proc/PID/fd)
Also imported by idle_conns.py.
"""
import os
import sys

CLK_TCK = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid):
    with open(f"/proc/{pid}/stat") as f:
        text = f.read()
    # The command name is in parentheses and may contain spaces: split after the last ')'.
    return text[text.rindex(")") + 2:].split()


def tree(root):
    """The PID and every live descendant of it."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            ppid = int(_stat_fields(entry)[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    pids = [root]
    i = 0
    while i < len(pids):
        pids.extend(children.get(pids[i], []))
        i += 1
    return pids


def cpu_seconds(root, which=(11, 12)):
    total = 0
    for pid in tree(root):
        try:
            fields = _stat_fields(pid)
        except OSError:
            continue
        total += sum(int(fields[i]) for i in which)  # utime, stime: fields 14 and 15
    return total / CLK_TCK


def rss_kib(root, field="VmRSS:"):
    total = 0
    for pid in tree(root):
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith(field):
                        total += int(line.split()[1])
                        break
        except OSError:
            continue
    return total


def hwm_kib(root):
    return rss_kib(root, "VmHWM:")


def fd_count(root):
    total = 0
    for pid in tree(root):
        try:
            total += len(os.listdir(f"/proc/{pid}/fd"))
        except OSError:
            continue
    return total


def main(argv):
    if len(argv) != 3 or argv[1] not in ("cpu", "user", "sys", "rss", "hwm", "fds"):
        sys.stderr.write(__doc__)
        return 2
    pid = int(argv[2])
    if not os.path.exists(f"/proc/{pid}"):
        sys.stderr.write(f"procstat: no process {pid}\n")
        return 1
    value = {
        "cpu": cpu_seconds,
        "user": lambda p: cpu_seconds(p, (11,)),
        "sys": lambda p: cpu_seconds(p, (12,)),
        "rss": rss_kib,
        "hwm": hwm_kib,
        "fds": fd_count,
    }[argv[1]](pid)
    print(f"{value:.2f}" if isinstance(value, float) else value)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
