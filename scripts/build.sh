#!/usr/bin/env bash
# Configures and builds into a build folder. Usage: build.sh BUILD_DIR [cmake -D options...]
# Quick on a second run: Ninja and ccache rebuild only what changed.
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=$1
shift
if [ ! -f "$build_dir/build.ninja" ]; then
  cmake -S . -B "$build_dir" -G Ninja "$@"
else
  cmake "$build_dir" "$@" >/dev/null
fi
cmake --build "$build_dir"
