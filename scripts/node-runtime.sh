#!/usr/bin/env bash
# Prints a bin directory holding a Node >= 22.16 (n8n 2.x and n8n-workflow 2.41 need it).
# Uses the system Node when it is new enough; otherwise installs the npm registry's `node`
# package (a real Node 24 binary) once into a cache outside the repository.
# Usage: export PATH="$(bash scripts/node-runtime.sh):$PATH"
set -euo pipefail
NODE_MAJOR=24
CACHE_ROOT="${TALKING_AVATARS_CACHE:-$HOME/.cache/n8n-nodes-talking-avatars}"

node_ok() { # $1 = node binary
  "$1" -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=16)?0:1)' 2>/dev/null
}

if command -v node >/dev/null 2>&1 && node_ok "$(command -v node)"; then
  dirname "$(command -v node)"; exit 0
fi

dir="$CACHE_ROOT/node$NODE_MAJOR"
bin="$dir/node_modules/node/bin"
if [ ! -x "$bin/node" ] || ! node_ok "$bin/node"; then
  echo "Installing Node $NODE_MAJOR from the npm registry into $dir ..." >&2
  mkdir -p "$dir"
  (cd "$dir" && npm install --prefix "$dir" --no-save --no-audit --no-fund --ignore-scripts=false "node@$NODE_MAJOR" >&2)  # its preinstall fetches the binary
fi
echo "$bin"
