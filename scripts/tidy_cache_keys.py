#!/usr/bin/env python3
"""Prints "<key> <file>" for each source file given: a hash of everything clang-tidy's
verdict on the file depends on, so scripts/tidy.sh can skip a file whose key already
passed. The key covers clang-tidy's version, .clang-tidy, the extra arguments, the file's
compile commands and the text of the file and of every header it includes, system
headers too. The headers are the ones the build's compiler reported (ninja's deps log),
so the build must be up to date; a file without a valid deps entry gets the key "-",
never cached.

Usage: tidy_cache_keys.py BUILD_DIR EXTRA_ARGS FILE...
"""

import hashlib
import json
import os
import shlex
import subprocess
import sys


def object_of(entry):
    args = shlex.split(entry["command"]) if "command" in entry else entry["arguments"]
    return args[args.index("-o") + 1]


def read_deps(build_dir, objects):
    """{object: [header paths]} for the objects whose deps ninja holds as VALID; empty
    when the build folder is not a Ninja one (then nothing is cached)."""
    try:
        out = subprocess.run(["ninja", "-C", build_dir, "-t", "deps", *objects], check=True,
                             capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return {}
    deps, current = {}, None
    for line in out.splitlines():
        if not line.strip():
            continue
        if not line.startswith(" "):
            target, _, status = line.partition(": ")
            current = target if status.endswith("(VALID)") else None
            if current is not None:
                deps[current] = []
        elif current is not None:
            deps[current].append(os.path.normpath(os.path.join(build_dir, line.strip())))
    return deps


def main():
    build_dir, extra, files = sys.argv[1], sys.argv[2], sys.argv[3:]
    with open(os.path.join(build_dir, "compile_commands.json"), encoding="utf-8") as f:
        database = json.load(f)
    entries = {}
    for entry in database:
        path = os.path.realpath(os.path.join(entry["directory"], entry["file"]))
        entries.setdefault(path, []).append(entry)

    common = hashlib.sha256()
    common.update(subprocess.run(["clang-tidy", "--version"], check=True,
                                 capture_output=True).stdout)
    with open(".clang-tidy", "rb") as f:
        common.update(f.read())
    common.update(extra.encode())

    wanted = {os.path.realpath(file): entries.get(os.path.realpath(file), []) for file in files}
    objects = sorted({object_of(entry) for found in wanted.values() for entry in found})
    deps = read_deps(build_dir, objects) if objects else {}

    text_hashes = {}  # one read per header, however many files include it

    def text_hash(path):
        if path not in text_hashes:
            try:
                with open(path, "rb") as f:
                    text_hashes[path] = hashlib.sha256(f.read()).hexdigest()
            except OSError:
                text_hashes[path] = None
        return text_hashes[path]

    for file in files:
        found = wanted[os.path.realpath(file)]
        key = common.copy()
        valid = bool(found)
        # clang-tidy checks a file once per compile command it has.
        for entry in found:
            key.update(entry.get("command", " ".join(entry.get("arguments", []))).encode())
            headers = deps.get(object_of(entry))
            if headers is None:
                valid = False
                break
            for header in headers:
                digest = text_hash(header)
                if digest is None:
                    valid = False
                    break
                key.update(f"{header}\0{digest}\0".encode())
        print(f"{key.hexdigest() if valid else '-'} {file}")


if __name__ == "__main__":
    main()
