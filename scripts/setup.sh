#!/usr/bin/env bash
# The project's one set-up. Every README command reaches it: scripts/run (behind every
# `npm run …` script and `npm test`) and bin/dvpn source it. It is idempotent and quick when
# nothing changed (a few stat calls); each part runs only when missing or older than its sources:
#
#   node       a Node >= 22.13 from the npm registry into .tools/ (Hardhat 3 needs it; a
#              system Node 20 only runs npm)
#   npm        the npm dependencies, installed with that Node (package.json / lock newer than the stamp)
#   prisma     the indexer's Prisma client into indexer/generated/ (schema newer than the client)
#   pglite     the indexer's PGlite template into indexer/generated/pglite-template, a migrated
#              data folder new PGlite folders are copied from (migrations or PGlite newer than it)
#   contracts  `hardhat build` and the SDK's generated ABIs (sdk/src/abi) when contracts/, the
#              Hardhat config or the lock file are newer than the last build; with CI set the
#              ABIs are only checked against the committed ones (a stale commit fails)
#   explorer   the web explorer's Vite build into indexer/explorer/dist (scripts/build-web.ts) when
#              its sources, the SDK or the lock file are newer than the build
#   system     only the parts named in DVPN_NEEDS (comma-separated), as root from Debian's packages:
#                dataplane  wireguard-tools wireguard-go iproute2 nftables iperf3 tcpdump v2ray
#                browser    chromium (the web explorer's end-to-end tests drive it headless)
#                postgres   the local PostgreSQL clusters started if installed but down
#              without root it reports what is missing and the commands that need it say why
#              they cannot run.
#
# Sourced: exports PATH (the project's Node and node_modules/.bin first) and DVPN_ROOT.
# Run directly with --plan it prints what it would do and changes nothing.
# Everything it installs in the repository lives in .tools/, node_modules/, artifacts/, cache/
# indexer/generated/ and indexer/explorer/dist/ (all gitignored).
set -euo pipefail

DVPN_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DVPN_NODE_SPEC="${DVPN_NODE_SPEC:-node@24}"
_dvpn_tools="$DVPN_ROOT/.tools"
_dvpn_plan=0
# Only when run as a script: sourced, $1 is the caller's first argument.
[ "${BASH_SOURCE[0]}" = "$0" ] && [ "${1:-}" = "--plan" ] && _dvpn_plan=1

_dvpn_log() { printf '[setup] %s\n' "$*" >&2; }
# Logs how long the step that started at $1 (in $SECONDS) took.
_dvpn_took() { _dvpn_log "  done in $((SECONDS - $1)) s"; }

# Prints the first file under the given paths that is newer than $1 (nothing when none is).
_dvpn_newer_than() {
  local stamp="$1"
  shift
  local p
  for p in "$@"; do
    [ -e "$p" ] || continue
    find "$p" -newer "$stamp" -type f -print -quit 2>/dev/null
  done | head -n 1
}

# What the contracts step would do: "compile: <why>" or "up to date".
_dvpn_contracts_plan() {
  local stamp="$DVPN_ROOT/artifacts/.dvpn-build-stamp" newer
  if [ ! -f "$stamp" ]; then
    echo "compile: never built"
    return
  fi
  newer="$(_dvpn_newer_than "$stamp" "$DVPN_ROOT/contracts" "$DVPN_ROOT/hardhat.config.ts" "$DVPN_ROOT/package-lock.json" "$DVPN_ROOT/scripts/gen-abi.ts")"
  if [ -n "$newer" ]; then
    echo "compile: ${newer#"$DVPN_ROOT"/} changed since the last build"
  else
    echo "up to date"
  fi
}

# What the explorer step would do: "build: <why>" or "up to date".
_dvpn_explorer_plan() {
  local marker="$DVPN_ROOT/indexer/explorer/dist/index.html" newer
  [ -d "$DVPN_ROOT/indexer/explorer" ] || { echo "up to date"; return; }
  if [ ! -f "$marker" ]; then
    echo "build: never built"
    return
  fi
  newer="$(_dvpn_newer_than "$marker" "$DVPN_ROOT/indexer/explorer/src" "$DVPN_ROOT/indexer/explorer/index.html" \
    "$DVPN_ROOT/indexer/explorer/vite.config.ts" "$DVPN_ROOT/sdk/src" "$DVPN_ROOT/package-lock.json")"
  if [ -n "$newer" ]; then echo "build: ${newer#"$DVPN_ROOT"/} changed since the last build"; else echo "up to date"; fi
}

# Debian packages missing for the system parts named in DVPN_NEEDS.
_dvpn_missing_packages() {
  local needs=",${DVPN_NEEDS:-},"
  if [[ "$needs" == *,dataplane,* ]]; then
    command -v wg >/dev/null || echo wireguard-tools
    command -v wireguard-go >/dev/null || echo wireguard-go
    command -v ip >/dev/null || echo iproute2
    command -v nft >/dev/null || echo nftables
    command -v iperf3 >/dev/null || echo iperf3
    command -v tcpdump >/dev/null || echo tcpdump
    command -v v2ray >/dev/null || echo v2ray
  fi
  if [[ "$needs" == *,browser,* ]]; then
    command -v chromium >/dev/null || echo chromium
  fi
  return 0
}

if [ "$_dvpn_plan" = 1 ]; then
  echo "contracts: $(_dvpn_contracts_plan)"
  echo "explorer: $(_dvpn_explorer_plan)"
  missing="$(_dvpn_missing_packages | tr '\n' ' ')"
  echo "packages: ${missing:-none missing}"
  exit 0
fi

# One set-up at a time per checkout (tests start many commands at once).
mkdir -p "$_dvpn_tools"
exec {_dvpn_lock}>"$_dvpn_tools/setup.lock"
flock "$_dvpn_lock"

# --- node -------------------------------------------------------------------------------------
_dvpn_node_ok() {
  "$1" -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=13)?0:1)' 2>/dev/null
}
if [ -x "$_dvpn_tools/node_modules/.bin/node" ] && _dvpn_node_ok "$_dvpn_tools/node_modules/.bin/node"; then
  :
elif command -v node >/dev/null && _dvpn_node_ok "$(command -v node)"; then
  mkdir -p "$_dvpn_tools/node_modules/.bin"
  ln -sf "$(command -v node)" "$_dvpn_tools/node_modules/.bin/node"
else
  _dvpn_log "installing $DVPN_NODE_SPEC from the npm registry into .tools/ (Hardhat 3 needs Node >= 22.13)"
  [ -f "$_dvpn_tools/package.json" ] || echo '{"private":true}' >"$_dvpn_tools/package.json"
  _t=$SECONDS
  npm install --prefix "$_dvpn_tools" --no-audit --no-fund --loglevel=error "$DVPN_NODE_SPEC" >&2
  _dvpn_took $_t
fi
export PATH="$_dvpn_tools/node_modules/.bin:$DVPN_ROOT/node_modules/.bin:$PATH"
export DVPN_ROOT

# --- npm --------------------------------------------------------------------------------------
# Installed under the new Node so Hardhat's native EDR binding is included.
_dvpn_stamp="$DVPN_ROOT/node_modules/.dvpn-install-stamp"
if [ ! -f "$_dvpn_stamp" ] || [ "$DVPN_ROOT/package.json" -nt "$_dvpn_stamp" ] \
  || { [ -f "$DVPN_ROOT/package-lock.json" ] && [ "$DVPN_ROOT/package-lock.json" -nt "$_dvpn_stamp" ]; }; then
  _dvpn_log "npm install (Node $(node --version))"
  _t=$SECONDS
  (cd "$DVPN_ROOT" && npm install --no-audit --no-fund --loglevel=error >&2)
  touch "$_dvpn_stamp"
  _dvpn_took $_t
fi

# --- prisma -----------------------------------------------------------------------------------
if [ -f "$DVPN_ROOT/indexer/prisma/schema.prisma" ] && { [ ! -f "$DVPN_ROOT/indexer/generated/prisma/client.ts" ] \
  || [ "$DVPN_ROOT/indexer/prisma/schema.prisma" -nt "$DVPN_ROOT/indexer/generated/prisma/client.ts" ]; }; then
  _dvpn_log "prisma generate (indexer)"
  _t=$SECONDS
  if ! (cd "$DVPN_ROOT" && prisma generate --config indexer/prisma.config.ts >"$_dvpn_tools/prisma.log" 2>&1); then
    _dvpn_log "prisma generate failed; its last lines:"
    tail -n 10 "$_dvpn_tools/prisma.log" >&2
    exit 1
  fi
  _dvpn_took $_t
fi

# --- pglite template --------------------------------------------------------------------------
# A migrated PGlite data folder that new PGlite data folders are copied from (initdb takes ≈ 2 s).
_dvpn_template="$DVPN_ROOT/indexer/generated/pglite-template/dvpn-template.json"
if [ -d "$DVPN_ROOT/indexer/prisma/migrations" ] && [ -d "$DVPN_ROOT/node_modules/@electric-sql/pglite" ] \
  && { [ ! -f "$_dvpn_template" ] \
    || [ -n "$(_dvpn_newer_than "$_dvpn_template" "$DVPN_ROOT/indexer/prisma/migrations" \
      "$DVPN_ROOT/node_modules/@electric-sql/pglite/package.json")" ]; }; then
  _dvpn_log "pglite template (indexer)"
  _t=$SECONDS
  # Only a speed-up: without it a new PGlite folder runs initdb, so a failed build does not stop the set-up.
  (cd "$DVPN_ROOT" && node scripts/build-pglite-template.ts >/dev/null) \
    || _dvpn_log "pglite template: build failed; new PGlite data folders run initdb instead"
  _dvpn_took $_t
fi

# --- contracts --------------------------------------------------------------------------------
_dvpn_plan_contracts="$(_dvpn_contracts_plan)"
if [ "$_dvpn_plan_contracts" != "up to date" ]; then
  _dvpn_log "contracts: ${_dvpn_plan_contracts#compile: } → hardhat build"
  _t=$SECONDS
  (cd "$DVPN_ROOT" && hardhat build --quiet >&2)
  if [ -n "${CI:-}" ]; then
    (cd "$DVPN_ROOT" && node scripts/gen-abi.ts --check >&2)
  else
    (cd "$DVPN_ROOT" && node scripts/gen-abi.ts >&2)
  fi
  touch "$DVPN_ROOT/artifacts/.dvpn-build-stamp"
  _dvpn_took $_t
fi

# --- explorer ---------------------------------------------------------------------------------
_dvpn_plan_explorer="$(_dvpn_explorer_plan)"
if [ "$_dvpn_plan_explorer" != "up to date" ]; then
  _dvpn_log "explorer: ${_dvpn_plan_explorer#build: } → vite build"
  _t=$SECONDS
  (cd "$DVPN_ROOT" && node scripts/build-web.ts --force >/dev/null)
  _dvpn_took $_t
fi

# --- system -----------------------------------------------------------------------------------
if [ -n "${DVPN_NEEDS:-}" ]; then
  mapfile -t _dvpn_missing < <(_dvpn_missing_packages)
  if [ ${#_dvpn_missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      _dvpn_log "installing ${_dvpn_missing[*]} from Debian's packages"
      _dvpn_apt_log="$_dvpn_tools/apt.log"
      export DEBIAN_FRONTEND=noninteractive
      _t=$SECONDS
      if { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${_dvpn_missing[@]}"; } >"$_dvpn_apt_log" 2>&1; then
        _dvpn_took $_t
        # Debian's v2ray enables a service whose sample config is an open VMess proxy on port
        # 10086; the agent and the client run v2ray with their own configs, never that service.
        if [[ " ${_dvpn_missing[*]} " == *" v2ray "* ]] && command -v systemctl >/dev/null; then
          systemctl disable --now v2ray.service >>"$_dvpn_apt_log" 2>&1 || true
        fi
      else
        _dvpn_log "apt-get install ${_dvpn_missing[*]} failed; its last lines:"
        tail -n 5 "$_dvpn_apt_log" >&2
        # Under CI a part the command asked for must be there: fail here, next to the cause.
        if [ -n "${CI:-}" ]; then exit 1; fi
      fi
    else
      _dvpn_log "missing ${_dvpn_missing[*]} (install them as root with apt-get; the commands that need them say why they cannot run)"
    fi
  fi
  if [[ ",$DVPN_NEEDS," == *,postgres,* ]] && command -v pg_lsclusters >/dev/null; then
    while read -r _v _n _port _status _rest; do
      if [ -n "$_v" ] && [ "$_status" != "online" ]; then
        _dvpn_log "starting PostgreSQL $_v/$_n"
        pg_ctlcluster --skip-systemctl-redirect "$_v" "$_n" start >&2 || _dvpn_log "could not start PostgreSQL $_v/$_n"
      fi
    done < <(pg_lsclusters --no-header 2>/dev/null)
  fi
fi

flock -u "$_dvpn_lock"
exec {_dvpn_lock}>&-
unset _t _dvpn_lock _dvpn_stamp _dvpn_template _dvpn_plan _dvpn_plan_contracts _dvpn_plan_explorer _dvpn_missing _dvpn_apt_log _v _n _port _status _rest
