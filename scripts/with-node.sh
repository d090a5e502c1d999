#!/usr/bin/env bash
# Runs a command with a Node that n8n 2.x accepts first on PATH (provisioned when the system
# Node is older than 22.16), installing the project's packages first if they are missing.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
NODE_BIN="$(bash "$here/scripts/node-runtime.sh")"
export PATH="$NODE_BIN:$here/node_modules/.bin:$PATH"
if [ ! -d "$here/node_modules/n8n-core" ] || [ ! -d "$here/node_modules/@n8n/node-cli" ]; then
  echo "Installing the project's packages (npm ci) ..." >&2
  (cd "$here" && npm ci --no-audit --no-fund >&2)
fi
exec "$@"
