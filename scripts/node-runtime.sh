#!/usr/bin/env bash
# Prints a bin directory holding a Node that fits.
# - No argument: a Node >= 22.16 (n8n 2.x and n8n-workflow 2.41 need it): the system Node when it
#   is new enough, otherwise the npm registry's `node` package (a real Node 24 binary) installed
#   once into a cache outside the repository.
# - An argument (a major version, e.g. `20`, `22`, `24`): exactly that major (the compatibility
#   matrix runs older n8n on Node 20 and 22): the system Node when its major matches, otherwise
#   `node@<major>` from the npm registry, cached the same way.
# Usage: export PATH="$(bash scripts/node-runtime.sh [major]):$PATH"
set -euo pipefail
WANT="${1:-}"
CACHE_ROOT="${TALKING_AVATARS_CACHE:-$HOME/.cache/n8n-nodes-talking-avatars}"

node_ok() { # $1 = node binary
  if [ -n "$WANT" ]; then
    "$1" -e "process.exit(process.versions.node.split('.')[0]==='$WANT'?0:1)" 2>/dev/null
  else
    "$1" -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=16)?0:1)' 2>/dev/null
  fi
}

if command -v node >/dev/null 2>&1 && node_ok "$(command -v node)"; then
  dirname "$(command -v node)"; exit 0
fi

NODE_MAJOR="${WANT:-24}"
dir="$CACHE_ROOT/node$NODE_MAJOR"
bin="$dir/node_modules/node/bin"
if [ ! -x "$bin/node" ] || ! node_ok "$bin/node"; then
  mkdir -p "$dir"
  exec 8>"$dir.lock"; flock 8  # parallel callers: one installer
  if [ ! -x "$bin/node" ] || ! node_ok "$bin/node"; then
    echo "Installing Node $NODE_MAJOR from the npm registry into $dir ..." >&2
    (cd "$dir" && npm install --prefix "$dir" --no-save --no-audit --no-fund --ignore-scripts=false "node@$NODE_MAJOR" >&2)  # its preinstall fetches the binary
  fi
fi
echo "$bin"
