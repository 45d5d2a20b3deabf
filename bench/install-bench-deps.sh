#!/usr/bin/env bash
# Installs the Debian 12 packages the benchmark needs: the origin server (nginx), the
# peers (squid, tinyproxy), the load tools (wrk, curl) and helpers (openssl, procps,
# python3, and python3-matplotlib for the connections chart). Idempotent: when
# everything is present it returns at once without touching apt. Installing must not leave squid, tinyproxy or nginx running as system
# services on their default ports, so a policy-rc.d that forbids service starts is put in
# place for the install (unless one already exists) and removed afterwards; any of these
# services that the install started anyway is stopped again.
set -euo pipefail

want=(squid tinyproxy wrk openssl procps python3 python3-matplotlib curl)

installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

missing=()
for pkg in "${want[@]}"; do
  installed "$pkg" || missing+=("$pkg")
done
# The origin: any nginx flavour will do (it needs the ssl module, which all have). In
# Debian 12 the `nginx` package is the server itself and nginx-light only adds the echo
# module on top of it, so plain nginx is the lighter choice.
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
  missing+=(nginx)
fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq

echo "install-bench-deps: installing ${missing[*]}" >&2

policy=/usr/sbin/policy-rc.d
made_policy=0
cleanup() {
  if [ "$made_policy" = 1 ]; then
    "${sudo_cmd[@]}" rm -f "$policy"
  fi
}
trap cleanup EXIT
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | "${sudo_cmd[@]}" tee "$policy" >/dev/null
  "${sudo_cmd[@]}" chmod 755 "$policy"
  made_policy=1
fi

"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"

# Belt and braces: stop the services of the packages just installed if they run anyway.
for pkg in "${missing[@]}"; do
  case $pkg in
    squid | tinyproxy) svc=$pkg ;;
    nginx*) svc=nginx ;;
    *) continue ;;
  esac
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then
    "${sudo_cmd[@]}" systemctl stop "$svc" || true
  elif command -v service >/dev/null 2>&1 && service "$svc" status >/dev/null 2>&1; then
    "${sudo_cmd[@]}" service "$svc" stop >/dev/null 2>&1 || true
  fi
done
