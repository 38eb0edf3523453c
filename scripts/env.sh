#!/usr/bin/env bash
# Project environment: a Node >= 22.13 from the npm registry first on PATH, and the npm
# dependencies installed with it. Sourced by scripts/run; safe to run repeatedly.
# Everything it installs lives inside the repository (.tools/, node_modules/).
set -euo pipefail

DVPN_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DVPN_NODE_SPEC="${DVPN_NODE_SPEC:-node@24}"
tools="$DVPN_ROOT/.tools"

log() { printf '[setup] %s\n' "$*" >&2; }

node_ok() {
  "$1" -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=13)?0:1)' 2>/dev/null
}

if [ -x "$tools/node_modules/.bin/node" ] && node_ok "$tools/node_modules/.bin/node"; then
  :
elif command -v node >/dev/null && node_ok "$(command -v node)"; then
  mkdir -p "$tools/node_modules/.bin"
  ln -sf "$(command -v node)" "$tools/node_modules/.bin/node"
else
  log "installing $DVPN_NODE_SPEC from the npm registry into .tools/ (Hardhat 3 needs Node >= 22.13)"
  mkdir -p "$tools"
  [ -f "$tools/package.json" ] || echo '{"private":true}' >"$tools/package.json"
  npm install --prefix "$tools" --no-audit --no-fund --loglevel=error "$DVPN_NODE_SPEC" >&2
fi
export PATH="$tools/node_modules/.bin:$DVPN_ROOT/node_modules/.bin:$PATH"

# npm dependencies, installed under the new Node so Hardhat's native EDR binding is included.
stamp="$DVPN_ROOT/node_modules/.dvpn-install-stamp"
if [ ! -f "$stamp" ] || [ "$DVPN_ROOT/package.json" -nt "$stamp" ] \
  || { [ -f "$DVPN_ROOT/package-lock.json" ] && [ "$DVPN_ROOT/package-lock.json" -nt "$stamp" ]; }; then
  log "npm install (Node $(node --version))"
  (cd "$DVPN_ROOT" && npm install --no-audit --no-fund --loglevel=error >&2)
  touch "$stamp"
fi
export DVPN_ROOT

# The indexer's Prisma client (generated into indexer/generated/, gitignored; offline, no engines).
if [ -f "$DVPN_ROOT/indexer/prisma/schema.prisma" ] && { [ ! -f "$DVPN_ROOT/indexer/generated/prisma/client.ts" ] \
  || [ "$DVPN_ROOT/indexer/prisma/schema.prisma" -nt "$DVPN_ROOT/indexer/generated/prisma/client.ts" ]; }; then
  log "prisma generate (indexer)"
  (cd "$DVPN_ROOT" && prisma generate --config indexer/prisma.config.ts >/dev/null)
fi
