#!/usr/bin/env bash
# Installs the system packages Weft's bench and network tests need (Debian 12). Idempotent; run
# as root. CI calls it; `apt-get update` runs only when something is missing.
set -euo pipefail

PACKAGES=(wrk haproxy nginx-light caddy nghttp2-client iproute2 iptables curl openssl procps util-linux)

die() {
  echo "install-system-deps: $*" >&2
  exit 1
}

# Installed per dpkg. nginx-light also counts as present when another Debian nginx flavour
# (nginx-core, nginx-full, ...) provides the binary: they conflict, so installing it would fail.
present() {
  local pkg=$1
  [[ $(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null) == installed ]] && return 0
  [[ $pkg == nginx-light && -x /usr/sbin/nginx ]]
}

[[ $(id -u) -eq 0 ]] || die "must run as root (e.g. sudo $0)"
command -v apt-get >/dev/null && command -v dpkg-query >/dev/null || die "needs a Debian-based system (apt-get, dpkg-query)"

missing=()
for pkg in "${PACKAGES[@]}"; do
  present "$pkg" || missing+=("$pkg")
done
if ((${#missing[@]} == 0)); then
  echo "install-system-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

echo "install-system-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Keep the packages' own services (nginx and haproxy on :80) from starting: the bench starts
# its own instances on ephemeral loopback ports and wants the CPUs quiet.
policy=/usr/sbin/policy-rc.d
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod +x "$policy"
  trap 'rm -f "$policy"' EXIT
fi
apt-get update -q || die "apt-get update failed (is a Debian mirror reachable?)"
apt-get install -y -q --no-install-recommends "${missing[@]}" || die "apt-get install ${missing[*]} failed"

for pkg in "${missing[@]}"; do
  present "$pkg" || die "$pkg is still not installed after apt-get install"
done
echo "install-system-deps: done"
