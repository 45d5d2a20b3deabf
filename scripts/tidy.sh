#!/usr/bin/env bash
# Runs clang-tidy (.clang-tidy) over the core and plugin sources, using the compile
# commands of a build folder (default build-test, made by scripts/test.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${1:-build-test}
mapfile -t files < <(git ls-files 'core/*.cpp' 'plugins/*.cpp')
clang-tidy -p "$build_dir" --quiet "${files[@]}"
