#!/usr/bin/env bash
# System parts the tests and the demo use, installed from Debian's packages when missing:
# WireGuard userspace (wireguard-go, wg, wg-quick), iproute2 and iperf3; and the local
# PostgreSQL started if it is installed but down. Needs root for apt; without root it only
# reports what is missing (the tests that need those parts then say why they cannot run).
set -uo pipefail
log() { printf '[setup] %s\n' "$*" >&2; }

missing=()
command -v wg >/dev/null || missing+=(wireguard-tools)
command -v wireguard-go >/dev/null || missing+=(wireguard-go)
command -v ip >/dev/null || missing+=(iproute2)
command -v iperf3 >/dev/null || missing+=(iperf3)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing ${missing[*]} from Debian's packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null 2>&1 || log "apt-get update failed"
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || log "apt-get install ${missing[*]} failed"
  else
    log "missing ${missing[*]} (install them as root with apt-get to run the WireGuard data plane)"
  fi
fi

# PostgreSQL: start the local cluster if one is installed but not running.
if command -v pg_lsclusters >/dev/null; then
  pg_lsclusters --no-header 2>/dev/null | while read -r ver name _port status _rest; do
    if [ "$status" != "online" ]; then
      log "starting PostgreSQL $ver/$name"
      pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" start >&2 || log "could not start PostgreSQL $ver/$name"
    fi
  done
fi
exit 0
