#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz) with Clang into build-fuzz/ and fuzzes each
# for SECONDS (default 60), two at a time, from a scratch copy of its seed corpus.
# Usage: scripts/fuzz.sh [SECONDS]
#
# A crash (or a broken invariant, a leak, a timeout) fails the run: the input is copied
# to tests/fuzz/regressions/<target>/, where the fuzz_corpus.<target> ctest replays it
# from then on, and the command that reproduces it is printed. Commit it with the fix.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
jobs=2
build_dir=build-fuzz

scripts/install-deps.sh
if [ ! -f "$build_dir/build.ninja" ]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPROXY_FUZZ=ON -DPROXY_BUILD_TESTS=ON -DPROXY_WERROR=ON
fi
cmake --build "$build_dir" --target fuzz_targets

# The targets are the seed corpora: corpus/<target>/ goes with build-fuzz/bin/<target>_fuzz.
targets=()
for corpus in tests/fuzz/corpus/*/; do
  targets+=("$(basename "$corpus")")
done

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# Runs one target; its log goes to $scratch/<target>.log, its verdict to <target>.status.
fuzz_one() {
  local target=$1
  local work="$scratch/$target"
  mkdir -p "$work/artifacts"
  cp -r "tests/fuzz/corpus/$target" "$work/corpus"
  local regressions="tests/fuzz/regressions/$target"
  local extra=()
  if [ -d "$regressions" ]; then
    extra+=("$regressions")  # read only: libFuzzer adds new inputs to the first folder
  fi
  if "$build_dir/bin/${target}_fuzz" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$work/artifacts/" "$work/corpus" "${extra[@]}" \
    >"$scratch/$target.log" 2>&1; then
    echo passed >"$scratch/$target.status"
  else
    echo failed >"$scratch/$target.status"
  fi
}

for target in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
    wait -n || true
  done
  echo "fuzz: $target for ${seconds} s"
  fuzz_one "$target" &
done
wait

failed=0
for target in "${targets[@]}"; do
  log="$scratch/$target.log"
  stats=$(grep -E '^#[0-9]+.*DONE' "$log" | tail -n 1 || true)
  if [ "$(cat "$scratch/$target.status")" = passed ]; then
    echo "fuzz: $target passed: ${stats:-no stats}"
    continue
  fi
  failed=1
  echo "fuzz: $target FAILED; the end of its log:"
  tail -n 60 "$log"
  for input in "$scratch/$target/artifacts/"*; do
    [ -e "$input" ] || continue
    mkdir -p "tests/fuzz/regressions/$target"
    kept="tests/fuzz/regressions/$target/$(basename "$input")"
    cp "$input" "$kept"
    echo "fuzz: kept $kept; reproduce with: $build_dir/bin/${target}_fuzz $kept"
  done
done
exit "$failed"
