#!/usr/bin/env bash
# Compiles and runs `npm run demo` (scripts/demo.ts) or `npm run dev` (scripts/dev.ts).
# Usage (with Node >= 22.16 first on PATH, as scripts/with-node.sh provides): bash scripts/demo.sh demo|dev
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
case "${1:-}" in demo|dev) ;; *) echo "usage: $0 demo|dev" >&2; exit 2 ;; esac
tsc -p scripts/demo.tsconfig.json
# tsc does not copy the emulator's media fixtures next to the compiled emulator
mkdir -p build/test/emulator
rm -rf build/test/emulator/fixtures
cp -R test/emulator/fixtures build/test/emulator/fixtures
exec node "build/scripts/$1.js"
