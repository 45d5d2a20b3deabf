#!/usr/bin/env bash
# Runs clang-tidy (.clang-tidy; every warning is an error) over the sources of core/, sdk/
# and plugins/, two files at a time, with the compile commands of a build folder (default
# build-test, made by scripts/test.sh). Usage: scripts/tidy.sh [BUILD_DIR]
#
# A file that passed is skipped until something its verdict depends on changes: its text,
# a header it includes, its compile command, .clang-tidy or clang-tidy itself
# (scripts/tidy_cache_keys.py). The passes are kept in BUILD_DIR/tidy-cache/.
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${1:-build-test}
if [ ! -f "$build_dir/compile_commands.json" ]; then
  echo "tidy: no $build_dir/compile_commands.json; run scripts/test.sh first" >&2
  exit 2
fi
# Brings generated headers and the compiler's record of each file's headers up to date.
if ! build_log=$(cmake --build "$build_dir" 2>&1); then
  echo "$build_log" >&2
  exit 1
fi

# Boost 1.74 enables co_await under Clang only with libc++'s <experimental/coroutine>; the
# build uses libstdc++, whose <coroutine> clang-tidy 14 parses fine.
extra_args="--extra-arg=-DBOOST_ASIO_HAS_CO_AWAIT=1 --extra-arg=-DBOOST_ASIO_HAS_STD_COROUTINE=1"

cache="$build_dir/tidy-cache"
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
mkdir -p "$cache"

mapfile -t files < <(git ls-files 'core/*.cpp' 'sdk/*.cpp' 'plugins/*.cpp')
python3 scripts/tidy_cache_keys.py "$build_dir" "$extra_args" "${files[@]}" >"$logs/keys"

to_check=()
cached=0
while read -r key file; do
  if [ "$key" != - ] && [ -e "$cache/$key" ]; then
    cached=$((cached + 1))
  else
    to_check+=("$key" "$file")
  fi
done <"$logs/keys"
# Only the keys of the current files stay, so the cache never outgrows the tree.
for entry in "$cache"/*; do
  if [ -e "$entry" ] && ! grep -q "^$(basename "$entry") " "$logs/keys"; then
    rm -f "$entry"
  fi
done

check_one() {
  local key=$1 file=$2
  local log
  log="$logs/$(echo "$file" | tr / _).log"
  # shellcheck disable=SC2086 # extra_args is a list of words
  if clang-tidy -p "$build_dir" --quiet $extra_args "$file" >"$log" 2>&1; then
    if [ "$key" != - ]; then
      touch "$cache/$key"
    fi
  else
    echo "$file" >>"$logs/failed"
  fi
}
export -f check_one
export build_dir cache logs extra_args
if [ ${#to_check[@]} -gt 0 ]; then
  printf '%s\n' "${to_check[@]}" | xargs -n 2 -P 2 bash -c 'check_one "$@"' _
fi

failed=0
if [ -f "$logs/failed" ]; then
  failed=$(wc -l <"$logs/failed")
  while read -r file; do
    grep -v -E '^[0-9]+ warnings? generated\.$|^Suppressed [0-9]+ warnings|^Use -header-filter' \
      "$logs/$(echo "$file" | tr / _).log" || true
  done < <(sort "$logs/failed")
fi
echo "tidy: ${#files[@]} files: $cached passed before, $((${#to_check[@]} / 2)) checked, $failed failed"
[ "$failed" -eq 0 ]
